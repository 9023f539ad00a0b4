// DSNs about outgoing messages (mox queue/dsn.go): not sent over SMTP but stored in the sender
// account's Inbox, From postmaster@<hostname>, flagged as DSN. Composed and parsed before the
// outcome transaction; stored inside it. Never for the null sender (RFC 5321 §4.5.5).
import type { Tx } from "../db/index.js";
import { composeDsn } from "../dsn/index.js";
import { parseMessage, prependHeaders } from "../message/index.js";
import { isAscii } from "../smtp/index.js";
import { insertMessage } from "../store/index.js";
import { loadRaw, type OutboundRow } from "./queries.js";
import type { Ctx } from "./types.js";

/** What went wrong, for the DSN text and its machine-readable part. */
export type DsnDetails = {
  permanent: boolean;
  /** Enhanced code without its class ("1.1"), or "" (Status becomes 5.0.0/4.0.0). */
  secode: string;
  error: string;
  /** The remote's reply lines, if any (Diagnostic-Code). */
  lines: string[];
  now: Date;
  /** Delayed DSNs: until when delivery is retried. */
  retryUntil?: Date;
};

/** A composed DSN ready to be stored. */
export type PreparedDsn = { accountId: number; raw: Buffer; parsed: Record<string, unknown> | null; subject: string; messageId: string; from: string; to: string };

/** Composes (and parses) the DSN for a row; null for the null sender or when composing fails. */
export async function prepareDsn(ctx: Ctx, row: OutboundRow, d: DsnDetails): Promise<PreparedDsn | null> {
  if (row.mailFrom === "") return null;
  try {
    const original = await loadRaw(ctx.db, row.rawId);
    const raw = composeFor(ctx, row, d, original ?? Buffer.alloc(0));
    const parsed = await parseMessage(raw);
    return {
      accountId: row.accountId,
      raw,
      parsed: parsed.ok ? (parsed as unknown as Record<string, unknown>) : null,
      subject: subjectOf(d),
      messageId: parsed.ok ? parsed.MessageID : "",
      from: `postmaster@${ctx.hostname}`,
      to: row.mailFrom,
    };
  } catch (err) {
    ctx.log.error({ err, queueMsgId: row.id }, "composing dsn failed, sender will not be told");
    return null;
  }
}

/** Stores a prepared DSN in the sender account's Inbox (inside the outcome transaction). */
export async function storeDsn(tx: Tx, p: PreparedDsn): Promise<void> {
  await insertMessage(tx, {
    accountId: p.accountId,
    mailbox: { role: "inbox" },
    raw: p.raw,
    envelope: { mailFrom: "", rcptTo: p.to, remoteIp: "", helo: "", tls: false, authUser: null, listener: "queue" },
    msgFrom: p.from,
    subject: p.subject,
    messageIdHeader: p.messageId,
    parsed: p.parsed,
    isDsn: true,
  });
}

function subjectOf(d: DsnDetails): string {
  return d.permanent ? "mail delivery failed" : "mail delivery delayed";
}

/** The DSN bytes with mox's Return-Path/Delivered-To prefix. */
function composeFor(ctx: Ctx, row: OutboundRow, d: DsnDetails, original: Buffer): Buffer {
  const raw = composeDsn({
    kind: d.permanent ? "failed" : "delayed",
    hostname: ctx.hostname,
    to: row.mailFrom,
    originalHeaders: original,
    originalMessageId: row.messageId || undefined,
    arrivalDate: row.queuedAt,
    smtpUtf8: !isAscii(row.mailFrom) || !isAscii(row.recipient),
    recipients: [
      {
        address: row.recipient,
        action: d.permanent ? "failed" : "delayed",
        // mox: Status is the class plus the remote's secode, or x.0.0.
        status: `${d.permanent ? "5" : "4"}.${d.secode || "0.0"}`,
        statusComment: d.error,
        diagnosticCode: d.lines.length ? d.lines.join(" ") : undefined,
        lastAttempt: d.now,
        willRetryUntil: d.retryUntil,
        error: d.error,
      },
    ],
    now: () => d.now,
  });
  return prependHeaders(raw, [
    ["Return-Path", `<postmaster@${ctx.hostname}>`],
    ["Delivered-To", row.mailFrom],
  ]);
}
