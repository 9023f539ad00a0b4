// DSNs about outgoing messages (mox queue/dsn.go): not sent over SMTP but stored in the sender
// account's Inbox, From postmaster@<hostname>, flagged as DSN. Composed and parsed before the
// outcome transaction; stored inside it. Never for the null sender (RFC 5321 §4.5.5).
import type { Tx } from "../db/index.js";
import { parseMessage, readHeaderFields } from "../message/index.js";
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

/** mox's DSN text for the human-readable part. */
export function dsnText(row: OutboundRow, d: DsnDetails): string {
  const smtp = d.lines.length ? `\nFull SMTP response:\n\n\t${d.lines.join("\n\t")}\n` : "";
  if (d.permanent) {
    return `\nDelivery has failed permanently for your email to:\n\n\t${row.recipient}\n\nNo further deliveries will be attempted.\n\nError during the last delivery attempt:\n\n\t${d.error}\n${smtp}`;
  }
  // mox's wording (its actual remaining waits are 2h/4h/8h, doc≠code in mox-compat §3.3).
  return `\nDelivery has been delayed of your email to:\n\n\t${row.recipient}\n\nNext attempts to deliver: in 4 hours, 8 hours and 16 hours.\nIf these attempts all fail, you will receive a notice.\n\nError during the last delivery attempt:\n\n\t${d.error}\n${smtp}`;
}

// TODO(delivery): compose with dsn/ (composeDsn) once that module lands; until then no DSN is
// composed and prepareDsn logs the failure. #4
function composeFor(_ctx: Ctx, _row: OutboundRow, _d: DsnDetails, original: Buffer): Buffer {
  readHeaderFields(original);
  throw new Error("dsn module not available yet");
}
