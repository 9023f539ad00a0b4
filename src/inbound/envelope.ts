import type { SMTPServerAddress, SMTPServerSession } from "smtp-server";
import { AddressError, isAscii, parseAddress, smtpError, SmtpError, type EmailAddress } from "../smtp/index.js";
import { stateOf } from "./state.js";
import type { InboundDeps, ListenerKind } from "./types.js";

/**
 * MAIL FROM checks: syntax, SMTPUTF8 for non-ASCII (RFC 6531: 553 5.6.7), BINARYMIME without
 * CHUNKING, and on submission that the address belongs to the authenticated account.
 */
export async function checkMailFrom(deps: InboundDeps, kind: ListenerKind, a: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
  const st = stateOf(session);
  st.recipients = [];
  st.outgoing = [];
  // Stable across redeliveries of the same sender's mail, for scripted failure sequences.
  st.messageKey = `mailfrom:${a.address}`;
  const args = (a.args || {}) as Record<string, string | boolean>;
  if (String(args.BODY ?? "").toUpperCase() === "BINARYMIME") throw smtpError("binaryMimeUnsupported");
  if (a.address !== "" && !isAscii(a.address) && !args.SMTPUTF8) {
    throw new SmtpError(553, "5.6.7", "non-ASCII address requires SMTPUTF8");
  }
  const addr = a.address === "" ? null : parse(a.address, "badSenderSyntax");
  if (kind !== "mx") {
    if (!addr || !st.login) throw smtpError("senderNotAllowed");
    const owner = await deps.resolveRecipient(`${addr.localpart}@${addr.domain}`);
    if (typeof owner === "string" || owner.accountId !== st.login.accountId) throw smtpError("senderNotAllowed");
  }
  await simulated(deps, "mailfrom", a.address, st.messageKey);
}

/** RCPT TO checks: on the MX only hosted recipients (no relaying); on submission any valid address. */
export async function checkRcptTo(deps: InboundDeps, kind: ListenerKind, a: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
  const st = stateOf(session);
  if (a.address !== "" && !isAscii(a.address) && !session.envelope.mailFrom) {
    throw new SmtpError(553, "5.6.7", "non-ASCII address requires SMTPUTF8");
  }
  const addr = parse(a.address, "badRecipientSyntax");
  const full = `${addr.localpart}@${addr.domain}`;
  if (st.recipients.length + st.outgoing.length >= deps.limits.maxRecipients) throw smtpError("tooManyRecipients");
  if (kind !== "mx") {
    st.outgoing.push(a.address);
    return;
  }
  const owner = await deps.resolveRecipient(full);
  if (owner === "unknownDomain" || owner === "domainDisabled") throw smtpError("relayDenied");
  if (owner === "unknownUser") throw smtpError("noSuchUser");
  await simulated(deps, "rcptto", full, st.messageKey);
  st.recipients.push({ ...owner, rcptTo: full });
}

function parse(address: string, reply: "badSenderSyntax" | "badRecipientSyntax"): EmailAddress {
  try {
    const addr = parseAddress(address);
    // Quoted or %/! localparts are relay tricks on an MX (docs/guarantees.md A11); refuse them.
    if (!/^[A-Za-z0-9!#$&'*+\-/=?^_`{|}~.\u0080-\uffff]+$/.test(addr.localpart) || addr.localpart.includes("%") || addr.localpart.includes("!")) {
      throw smtpError(reply);
    }
    return addr;
  } catch (err) {
    if (err instanceof AddressError) throw smtpError(reply, undefined, { cause: err });
    throw err;
  }
}

/** Applies localserve's scripted failures for a phase (after their delay, for `timeout`). */
export async function simulated(deps: InboundDeps, phase: "mailfrom" | "rcptto" | "data", address: string, key: string): Promise<void> {
  const f = deps.simulate?.(phase, address, key);
  if (!f) return;
  if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
  throw new SmtpError(f.code, f.enhanced, f.message);
}
