import { sharedGroupCommit, type Tx } from "../db/index.js";
import { faultPoint } from "../fault/index.js";
import { parseMessage, type ParseResult } from "../message/index.js";
import { insertMessage, type Envelope } from "../store/index.js";
import { incomingPayload } from "./incoming-payload.js";
import { deliveryFields } from "./received.js";
import type { InboundDeps, LocalRecipient, VerifyResult } from "./types.js";

/** One received message with its envelope, ready to commit. */
export type Received = {
  raw: Buffer;
  /** Our `Received:` trace field, with CRLF. */
  received: string;
  mailFrom: string;
  recipients: LocalRecipient[];
  remoteIp: string;
  helo: string;
  tls: boolean;
  listener: string;
};

const unverified: VerifyResult = { authenticationResults: "", mailFromValidated: false, msgFromValidated: false, dkimVerifiedDomains: [] };

/**
 * Stores a received message for each local recipient: the raw bytes with our trace fields
 * prepended (Return-Path and Delivered-To per copy, then Received-SPF, Authentication-Results and
 * Received), the parsed form (of the part all copies share, parsed once), and its `incoming` event (and, through the
 * event log's hook, its webhook rows) in ONE transaction. Parsing and verification run before
 * the transaction; nothing is written when any step fails.
 */
export async function acceptIncoming(deps: InboundDeps, r: Received): Promise<number[]> {
  const verified = deps.verify
    ? await deps.verify({ raw: r.raw, ip: r.remoteIp, helo: r.helo, mailFrom: r.mailFrom }).catch((err: unknown) => {
        deps.log.warn({ err }, "verification failed, treating as unverified");
        return unverified;
      })
    : unverified;
  // mail-auth returns complete header fields (name, value, CRLF); they go on top of ours. The
  // first copy is built in one piece and the shared part parsed as a view of it: no copy more.
  const trace = (verified.receivedSpf ?? "") + verified.authenticationResults + r.received;
  const heads = r.recipients.map((x) => deliveryFields(r.mailFrom, x.rcptTo));
  const first = Buffer.concat([Buffer.from((heads[0] ?? "") + trace), r.raw]);
  const raw = first.subarray(Buffer.byteLength(heads[0] ?? ""));
  const copyFor = (i: number) => (i === 0 ? first : Buffer.concat([Buffer.from(heads[i]!), raw]));
  const parsed = await parseMessage(raw, { automatedHint: r.mailFrom === "" });
  if (!parsed.ok) deps.log.warn({ code: parsed.error.code, err: parsed.error.message }, "message stored unparsed");
  const safe = parsed.ok ? jsonbSafe(parsed) : null; // once for all recipients
  // Concurrent sessions share one transaction (group commit); the reply waits for its COMMIT.
  // A stalled database (held lock, overload) must end in a rollback and 451, not in a commit
  // that lands after the client has given up and will retry (docs/guarantees.md E7): the batch runs
  // under the statement budget.
  const ids = await sharedGroupCommit(deps.database.db, deps.limits.commitTimeoutMs).run(async (tx) => {
    const stored: number[] = [];
    for (const [i, rcpt] of r.recipients.entries()) {
      const id = await storeOne(tx, deps, r, rcpt, copyFor(i), parsed, safe, verified);
      if (id !== null) stored.push(id);
    }
    await faultPoint("accept.in-tx"); // FAULT (test/torture): before COMMIT, e.g. throw=53100 for disk full
    return stored;
  });
  await faultPoint("accept.after-commit"); // FAULT (test/torture): committed, 250 not yet written
  for (const a of new Set(r.recipients.map((x) => x.accountId))) deps.eventLog.committed(a);
  return ids;
}

async function storeOne(
  tx: Tx,
  deps: InboundDeps,
  r: Received,
  rcpt: LocalRecipient,
  raw: Buffer,
  parsed: ParseResult,
  safe: JsonbSafe | null,
  v: VerifyResult,
): Promise<number | null> {
  const plain = safe?.value ?? null;
  if (deps.matchIncoming && (await deps.matchIncoming(tx, { accountId: rcpt.accountId, rcptTo: rcpt.rcptTo, raw, parsed: plain }))) {
    return null; // a DSN or reply to a FromID address: delivery turned it into an outgoing event
  }
  const envelope: Envelope = {
    mailFrom: r.mailFrom,
    rcptTo: rcpt.rcptTo,
    remoteIp: r.remoteIp,
    helo: r.helo,
    tls: r.tls,
    authUser: null,
    listener: r.listener,
  };
  const stored = await insertMessage(tx, {
    accountId: rcpt.accountId,
    mailbox: { role: "inbox" },
    raw,
    envelope,
    msgFrom: noNul(parsed.ok ? (parsed.From[0]?.Address ?? "") : ""),
    subject: noNul(parsed.ok ? parsed.Subject : ""),
    messageIdHeader: noNul(parsed.ok ? parsed.MessageID : ""),
    parsed: plain,
    parsedJson: safe?.json,
    parseError: parsed.ok ? null : `${parsed.error.code}: ${parsed.error.message}`,
    isDsn: parsed.ok && parsed.Structure.ContentType === "multipart/report",
    mailFromValidated: v.mailFromValidated,
    msgFromValidated: v.msgFromValidated,
    dkimDomains: v.dkimVerifiedDomains,
  }, deps.database);
  const payload = incomingPayload(
    parsed,
    {
      msgId: stored.id,
      mailFrom: r.mailFrom,
      rcptTo: rcpt.rcptTo,
      remoteIp: r.remoteIp,
      received: stored.receivedAt,
      mailboxName: stored.mailboxName,
      mailFromValidated: v.mailFromValidated,
      msgFromValidated: v.msgFromValidated,
      dkimVerifiedDomains: v.dkimVerifiedDomains,
    },
    raw.length,
  );
  await deps.eventLog.append(tx, { accountId: rcpt.accountId, kind: "incoming", address: rcpt.rcptTo, messageId: stored.id, payload });
  return stored.id;
}

// PostgreSQL text and jsonb cannot hold U+0000. The raw bytes keep every NUL; the parsed,
// searchable copy gets U+FFFD instead (JSON escapes preceded by an odd backslash run are text).
// Same for lone surrogates (JSON.stringify escapes only unpaired ones), which jsonb refuses too.
const nulEscape = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

/** The parsed form fit for jsonb, as an object and as the JSON text that is stored. */
type JsonbSafe = { value: Record<string, unknown>; json: string };

function jsonbSafe(p: object): JsonbSafe {
  const json = JSON.stringify(p);
  nulEscape.lastIndex = 0;
  if (!nulEscape.test(json)) return { value: p as Record<string, unknown>, json }; // the common case: nothing to replace
  const safe = json.replace(nulEscape, "$1\\ufffd");
  return { value: JSON.parse(safe) as Record<string, unknown>, json: safe };
}

function noNul(s: string): string {
  return s.replaceAll("\u0000", "\ufffd");
}
