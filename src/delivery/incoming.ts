// Incoming mail about messages we sent (docs/contract.md §2.9, mox queue/hook.go Incoming): a
// recipient localpart carrying a FromID of a retired message turns the message into an
// outgoing event (from the DSN's action, or `unrecognized`) instead of an incoming one.
import type { Tx } from "../db/index.js";
import { incomingDsnOutcome, parseDsn } from "../dsn/index.js";
import { getDomain } from "../store/index.js";
import { appendOutgoing, type OutgoingKind } from "./events.js";
import { noteOnRetired, retiredByFromId } from "./queries.js";
import { processFailure, suppressComplaint } from "./suppressions.js";
import type { Ctx, IncomingOffer } from "./types.js";

/** What an incoming message says about the original. */
type Verdict = { kind: OutgoingKind; dsn: boolean; code: number; secode: string; note: string; success: boolean };

/** See Delivery.handleIncoming: true when the message was consumed as an outgoing event. */
export async function handleIncoming(ctx: Ctx, tx: Tx, m: IncomingOffer): Promise<boolean> {
  const fromId = await fromIdOf(tx, m.rcptTo);
  if (!fromId) return false;
  const row = await retiredByFromId(tx, fromId);
  if (!row) return false;
  const now = new Date(ctx.clock.now());
  const feedback = feedbackType(m.raw);
  if (feedback !== null) {
    // RFC 5965 abuse report about the message: a complaint event, and the recipient is suppressed.
    await noteOnRetired(tx, row.id, { start: now.toISOString(), durationMs: 0, success: false, code: 0, secode: "", error: `feedback report: ${feedback}` }, now);
    const suppressing = await suppressComplaint(tx, row.accountId, row.recipient, feedback);
    await appendOutgoing(ctx.eventLog, tx, row, "complaint", { dsn: false, suppressing, error: `feedback report: ${feedback}`, extraNullable: true }, now, m.accountId);
    return true;
  }
  const v = verdict(m);
  const result = { start: now.toISOString(), durationMs: 0, success: v.success, code: v.code, secode: v.secode, error: v.note };
  await noteOnRetired(tx, row.id, result, now);
  const suppressing =
    v.kind === "failed" && v.code !== 0
      ? await processFailure(tx, { msgId: row.id, accountId: m.accountId, recipient: row.recipient, code: v.code, secode: v.secode, source: "DSN" })
      : false;
  const bounceClass = v.kind === "failed" && v.dsn ? classifyBounce(v.code, v.secode) : undefined;
  await appendOutgoing(ctx.eventLog, tx, row, v.kind, { code: v.code, secode: v.secode, dsn: v.dsn, suppressing, extraNullable: true, bounceClass }, now, m.accountId);
  return true;
}

/**
 * A bounce's class (RFC 3463): `soft` when a later send may succeed — a 4xx code or a transient
 * subject reported as final (mailbox full 5.2.2, message too big 5.2.3/5.3.4, network and
 * routing 5.4.x) — else `hard` (the address or policy refuses, or the DSN gives no code).
 */
export function classifyBounce(code: number, secode: string): "soft" | "hard" {
  if (Math.floor(code / 100) === 4) return "soft";
  if (["2.2", "2.3", "3.4"].includes(secode) || secode.startsWith("4.")) return "soft";
  return "hard";
}

/**
 * The Feedback-Type of an ARF report (RFC 5965 §3: multipart/report with report-type
 * feedback-report and a message/feedback-report part), or null for anything else.
 */
export function feedbackType(raw: Buffer): string | null {
  const text = raw.subarray(0, 256 * 1024).toString("latin1");
  const head = text.slice(0, Math.max(0, text.search(/\r?\n\r?\n/))).replace(/\r?\n[ \t]+/g, " ");
  if (!/^content-type:\s*multipart\/report\s*;[^\n]*report-type\s*=\s*"?feedback-report"?/im.test(head)) return null;
  const part = /content-type:\s*message\/feedback-report[^]*?\r?\n\r?\n([^]*?)(\r?\n\r?\n|\r?\n--)/i.exec(text);
  if (!part) return null;
  const type = /^feedback-type:\s*([A-Za-z0-9_-]+)/im.exec(part[1]!);
  return type ? type[1]!.toLowerCase() : null;
}

/** The text after the first catchall separator of the recipient localpart, if its domain has one. */
async function fromIdOf(tx: Tx, rcptTo: string): Promise<string | null> {
  const at = rcptTo.lastIndexOf("@");
  if (at < 1) return null;
  // Separators are punctuation: a plain alphanumeric localpart cannot carry a FromID (no query).
  if (/^[A-Za-z0-9]*$/.test(rcptTo.slice(0, at))) return null;
  const domain = await getDomain(tx, rcptTo.slice(at + 1));
  const sep = domain?.catchallSeparator;
  if (!sep) return null;
  const local = rcptTo.slice(0, at);
  const i = local.indexOf(sep);
  return i >= 0 && i + sep.length < local.length ? local.slice(i + sep.length) : null;
}

/** mox: the DSN's action becomes the event; anything else about the original is `unrecognized`. */
function verdict(m: IncomingOffer): Verdict {
  const o = incomingDsnOutcome(parseDsn(m.raw));
  // The dsn module builds `<code/100>.<secode>`; events and suppression take the secode.
  const secode = o.enhancedCode.replace(/^\d+\./, "");
  const kind: OutgoingKind = o.event;
  const note = o.error || "incoming message";
  return { kind, dsn: o.dsn, code: o.smtpCode, secode, note, success: kind !== "failed" && kind !== "delayed" && kind !== "unrecognized" };
}
