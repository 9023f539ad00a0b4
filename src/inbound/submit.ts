import { randomBytes } from "node:crypto";
import { sharedGroupCommit } from "../db/index.js";
import type { SMTPServerSession } from "smtp-server";
import { fieldCountViolation, parseMessage, type ParsedMessage } from "../message/index.js";
import { smtpError, SmtpError } from "../smtp/index.js";
import type { SessionState } from "./state.js";
import type { InboundDeps } from "./types.js";

/**
 * An authenticated submission: our `Received:` field is prepended, no line over 998 octets (554 5.6.0: we never relay one, so the
 * client learns it now rather than from a bounce), the header keeps RFC 5322 §3.6's field counts
 * (exactly one From, at most one Sender, To, Subject...: else 550 5.6.0, as mox refuses a second
 * From), the From header must belong to the account (550 5.7.1), missing
 * Message-ID and Date are added, X-Mox-Extra-* headers become Extra (duplicates 554 5.6.0), and
 * the message is handed to the outgoing queue in one transaction.
 */
export async function acceptSubmission(
  deps: InboundDeps,
  m: { raw: Buffer; received: string; mailFrom: string; session: SMTPServerSession; st: SessionState },
): Promise<string> {
  if (!m.st.login) throw smtpError("authRequired");
  // RFC 5321 §4.5.3.1.6: no line we relay may exceed 998 octets; the client must encode it.
  if (longestLine(m.raw) > 998) throw new SmtpError(554, "5.6.0", "message has a line longer than 998 octets; encode it (quoted-printable or base64)");
  const parsed = await parseMessage(m.raw);
  if (!parsed.ok) throw new SmtpError(554, "5.6.0", "message cannot be parsed");
  // The From check below reads one From; a second one would reach readers unchecked.
  const dup = fieldCountViolation(parsed.Headers);
  if (dup) throw new SmtpError(550, "5.6.0", dup.count === 0 ? "message has no From header" : `message has ${dup.count} ${dup.field} header fields, at most one allowed (RFC 5322 section 3.6)`);
  const from = parsed.From;
  if (from.length !== 1) throw new SmtpError(550, "5.7.1", "message must have exactly one From address");
  const owner = await deps.resolveRecipient(from[0]!.Address.toLowerCase());
  if (typeof owner === "string" || owner.accountId !== m.st.login.accountId) {
    throw new SmtpError(550, "5.7.1", "From address not allowed for this account");
  }
  if (!deps.submit) throw smtpError("localError", "submission is not available");
  const extra = extraHeaders(parsed);
  const prefix: string[] = [];
  let messageId = parsed.MessageID;
  if (!messageId) {
    messageId = `<${randomBytes(16).toString("base64url")}@${deps.hostname}>`;
    prefix.push(`Message-ID: ${messageId}`);
  }
  if (!parsed.Headers.some(([k]) => k.toLowerCase() === "date")) prefix.push(`Date: ${new Date(deps.clock.now()).toUTCString().replace("GMT", "+0000")}`);
  // Our Received field on top (RFC 5321 §4.4: a relay adds its own), then what we complete.
  const raw = Buffer.concat([Buffer.from(m.received + prefix.map((l) => l + "\r\n").join("")), m.raw]);
  const args = (m.session.envelope.mailFrom ? m.session.envelope.mailFrom.args : {}) as Record<string, string | boolean>;
  const tlsRequiredNo = parsed.Headers.some(([k, v]) => k.toLowerCase() === "tls-required" && v.trim().toLowerCase() === "no");
  const login = m.st.login;
  // Concurrent submissions share one transaction (group commit), under the statement budget.
  await sharedGroupCommit(deps.database.db, deps.limits.commitTimeoutMs).run(async (tx) => {
    await deps.submit!(tx, {
      accountId: login.accountId,
      loginAddress: login.address,
      from: from[0]!.Address,
      recipients: [...m.st.outgoing],
      raw,
      messageId,
      subject: parsed.Subject,
      extra,
      requireTls: args.REQUIRETLS ? true : tlsRequiredNo ? false : null,
      futureRelease: null,
      fromId: null,
      source: "smtp",
    });
  });
  deps.submitted?.();
  return messageId;
}

/** Length of the longest line of `raw` in octets, without its CRLF. */
export function longestLine(raw: Buffer): number {
  let max = 0;
  let start = 0;
  for (;;) {
    const i = raw.indexOf("\r\n", start);
    const end = i < 0 ? raw.length : i;
    max = Math.max(max, end - start);
    if (i < 0) return max;
    start = i + 2;
  }
}

/** X-Mox-Extra-<Key> headers, with MIME-canonical keys (docs/contract.md 3.1). */
function extraHeaders(p: ParsedMessage): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of p.Headers) {
    if (!/^x-mox-extra-/i.test(name)) continue;
    const key = canonicalKey(name.slice("x-mox-extra-".length));
    if (key in out) throw new SmtpError(554, "5.6.0", `duplicate X-Mox-Extra header for key ${key}`);
    out[key] = value.trim();
  }
  return { ...out };
}

function canonicalKey(k: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(k)) return k;
  return k
    .split("-")
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1).toLowerCase() : w))
    .join("-");
}
