// Incoming mail about messages we sent (mox-compat §2.9, mox queue/hook.go Incoming): a
// recipient localpart carrying a FromID of a retired message turns the message into an
// outgoing event (from the DSN's action, or `unrecognized`) instead of an incoming one.
import type { Tx } from "../db/index.js";
import { getDomain } from "../store/index.js";
import { appendOutgoing, type OutgoingKind } from "./events.js";
import { noteOnRetired, retiredByFromId } from "./queries.js";
import { processFailure } from "./suppressions.js";
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
  const v = verdict(m);
  const result = { start: now.toISOString(), durationMs: 0, success: v.success, code: v.code, secode: v.secode, error: v.note };
  await noteOnRetired(tx, row.id, result, now);
  const suppressing =
    v.kind === "failed" && v.code !== 0
      ? await processFailure(tx, { msgId: row.id, accountId: m.accountId, recipient: row.recipient, code: v.code, secode: v.secode, source: "DSN" })
      : false;
  await appendOutgoing(ctx.eventLog, tx, row, v.kind, { code: v.code, secode: v.secode, dsn: v.dsn, suppressing, extraNullable: true }, now, m.accountId);
  return true;
}

/** The text after the first catchall separator of the recipient localpart, if its domain has one. */
async function fromIdOf(tx: Tx, rcptTo: string): Promise<string | null> {
  const at = rcptTo.lastIndexOf("@");
  if (at < 1) return null;
  const domain = await getDomain(tx, rcptTo.slice(at + 1));
  const sep = domain?.catchallSeparator;
  if (!sep) return null;
  const local = rcptTo.slice(0, at);
  const i = local.indexOf(sep);
  return i >= 0 && i + sep.length < local.length ? local.slice(i + sep.length) : null;
}

const unrecognized = (dsn: boolean, note: string): Verdict => ({ kind: "unrecognized", dsn, code: 0, secode: "", note, success: false });

/** mox: a multipart/report whose 2nd part is (global-)delivery-status, with one recipient. */
function verdict(m: IncomingOffer): Verdict {
  if (!isDsnStructure(m.parsed)) return unrecognized(false, "incoming message not a dsn");
  let report: DsnReport;
  try {
    report = readDsn(m.raw);
  } catch (err) {
    return unrecognized(true, `parsing incoming dsn: ${(err as Error).message}`);
  }
  if (report.recipients.length !== 1) {
    return unrecognized(true, `incoming dsn has ${report.recipients.length} recipients, expecting 1`);
  }
  const r = report.recipients[0]!;
  const { code, secode } = codesOf(r);
  const base = { dsn: true, code, secode, note: "incoming message" };
  const action = r.action.toLowerCase();
  if (action === "failed") return { ...base, kind: "failed", success: false };
  if (action === "delayed" || action === "delivered" || action === "relayed" || action === "expanded") {
    return { ...base, kind: action, success: action !== "delayed" };
  }
  return { ...unrecognized(true, "incoming message"), code, secode };
}

function isDsnStructure(parsed: Record<string, unknown> | null): boolean {
  const s = parsed?.Structure as { ContentType?: string; Parts?: { ContentType?: string }[] } | undefined;
  const second = s?.Parts?.[1]?.ContentType;
  return s?.ContentType === "multipart/report" && (second === "message/delivery-status" || second === "message/global-delivery-status");
}

/** mox parseSMTPCodes on Diagnostic-Code (`smtp; 554 5.0.0 error`), else the Status class. */
function codesOf(r: DsnRecipient): { code: number; secode: string } {
  const diag = r.diagnosticCode.replace(/^\s*smtp\s*;\s*/i, "");
  const m = /^(\d{3}) (?:([45])\.(\S+))?/.exec(diag);
  if (m && Number(m[1]) < 600) return { code: Number(m[1]), secode: m[3] ?? "" };
  if (r.status.startsWith("4.")) return { code: 400, secode: r.status.slice(2) };
  if (r.status.startsWith("5.")) return { code: 500, secode: r.status.slice(2) };
  return { code: 0, secode: "" };
}

type DsnRecipient = { action: string; status: string; diagnosticCode: string };
type DsnReport = { recipients: DsnRecipient[] };

// TODO(delivery): read the report with dsn/ (parseDsn) once that module lands. #4
function readDsn(_raw: Buffer): DsnReport {
  throw new Error("dsn module not available yet");
}
