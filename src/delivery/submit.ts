// Submission into the outgoing queue (docs/contract.md §3.1, §1.6 "Queueing"): one row and one job
// per recipient, consecutive ids, FromIDs for configured login addresses, a `queued` event each.
import { randomBytes } from "node:crypto";
import type { Tx } from "../db/index.js";
import { cancelUnclaimedJobs, enqueue } from "../queue/index.js";
import { formatAddress, parseAddress, type EmailAddress } from "../smtp/index.js";
import { getAccount, getDomain } from "../store/index.js";
import { DeliveryError } from "./errors.js";
import { appendOutgoing } from "./events.js";
import { recordRecipients } from "./limits.js";
import { optedOut, preferenceKey } from "./preferences.js";
import { allocateIds, fromIdTaken, insertOutbound, insertRaw, retireRow, type OutboundRow, type SubmitOutbound } from "./queries.js";
import type { Ctx, Submission, Submitted } from "./types.js";

/** The job kind delivery registers on the shared queue. */
export const deliveryJobKind = "delivery";

/** Jobs with the same key can go in one SMTP transaction: same submission, domain and MAIL FROM. */
export function deliveryGroupKey(baseId: number, domain: string, fromId: string): string {
  return `${baseId}|${domain}|${fromId}`;
}

/** Enqueues a submission inside tx; see Delivery.submit. */
export async function submit(ctx: Ctx, tx: Tx, s: Submission): Promise<Submitted[]> {
  if (s.recipients.length === 0) throw new DeliveryError("badSubmission", "submission has no recipients");
  if (s.fromId && s.recipients.length > 1) {
    throw new DeliveryError("badSubmission", "a chosen FromID allows only one recipient");
  }
  const account = s.account?.id === s.accountId ? s.account : await getAccount(tx, s.accountId);
  if (!account) throw new DeliveryError("badSubmission", `account ${s.accountId} does not exist`);
  const sender = s.from === "" ? null : parse(s.from);
  const rcpts = s.recipients.map(parse);
  const logins = account.settings.fromIdLoginAddresses.map((a) => a.toLowerCase());
  const useFromId = sender !== null && (Boolean(s.fromId) || logins.includes(s.loginAddress.toLowerCase()));
  const fromIds = await chooseFromIds(tx, s, useFromId);
  const mailFroms = sender && useFromId ? await fromIdSenders(tx, sender, fromIds) : fromIds.map(() => s.from);

  const now = new Date(ctx.clock.now());
  const runAt = s.futureRelease ?? now;
  // Independent statements go out together (pipelined on the transaction's connection): the
  // ids, the raw message and the recipients for the daily limits.
  const [ids, rawId] = await Promise.all([
    allocateIds(tx, rcpts.length),
    insertRaw(tx, toCrlf(s.raw)),
    recordRecipients(tx, s.accountId, rcpts.map((r) => formatAddress(r)), now),
  ]);
  const baseId = ids[0]!;
  const categories = s.categories ?? [];
  // Categorized mail carries a List-Unsubscribe per recipient: one message per SMTP transaction.
  const keys = ids.map((id, i) => deliveryGroupKey(categories.length ? id : baseId, rcpts[i]!.domain, fromIds[i]!));
  const sizes = new Map<string, number>();
  for (const k of keys) sizes.set(k, (sizes.get(k) ?? 0) + 1);
  const jobIds = await enqueue(
    ctx.database,
    tx,
    ids.map((id, i) => ({
      kind: deliveryJobKind,
      // groupSize spares the handler a claim query for groups of one.
      payload: { msgId: id, groupSize: sizes.get(keys[i]!)! },
      runAt,
      groupKey: keys[i]!,
    })),
  );
  const rows: SubmitOutbound[] = ids.map((id, i) => ({
    id,
    baseId,
    accountId: s.accountId,
    mailFrom: mailFroms[i]!,
    msgFrom: s.from,
    fromId: fromIds[i]!,
    recipient: formatAddress(rcpts[i]!),
    recipientDomain: rcpts[i]!.domain,
    messageId: s.messageId,
    subject: s.subject,
    rawId,
    extra: s.extra,
    requireTls: s.requireTls,
    source: s.source,
    jobId: jobIds[i]!,
    queuedAt: now,
    nextAttemptAt: runAt,
    lastActivity: now,
    uniqueId: s.uniqueId ?? "",
    categories,
  }));
  const inserted = await insertOutbound(tx, rows);
  for (const row of inserted) await appendOutgoing(ctx.eventLog, tx, row, "queued", {}, now);
  const dropped = await dropOptedOut(ctx, tx, inserted, categories, now);
  return ids.map((id, i) => ({ address: s.recipients[i]!, queueMsgId: id, fromId: fromIds[i]!, ...(dropped.has(id) ? { optedOut: dropped.get(id)! } : {}) }));
}

/**
 * Retires, as `suppressed` (Suppressing false, no DSN), the messages to recipients who opted
 * out of one of the categories; the rest of the submission goes on. Returns id → category.
 */
async function dropOptedOut(ctx: Ctx, tx: Tx, rows: OutboundRow[], categories: string[], now: Date): Promise<Map<number, string>> {
  const dropped = new Map<number, string>();
  const out = await optedOut(tx, rows[0]!.accountId, rows.map((r) => r.recipient), categories);
  if (out.size === 0) return dropped;
  for (const r of rows) {
    const category = out.get(preferenceKey(r.recipient));
    if (!category) continue;
    const error = category === "all" ? "recipient opted out of all categorized mail" : `recipient opted out of category ${JSON.stringify(category)}`;
    const result = { start: now.toISOString(), durationMs: 0, success: false, code: 0, secode: "", error };
    const row = await retireRow(tx, r.id, { status: "suppressed", result, now });
    if (!row) continue;
    if (r.jobId !== null) await cancelUnclaimedJobs(tx, [r.jobId]);
    await appendOutgoing(ctx.eventLog, tx, row, "suppressed", { error }, now);
    dropped.set(r.id, category);
  }
  return dropped;
}

function parse(address: string): EmailAddress {
  try {
    return parseAddress(address);
  } catch (err) {
    throw new DeliveryError("badAddress", `parsing address ${JSON.stringify(address)}`, { cause: err });
  }
}

/** One FromID per recipient: the submitter's own (checked unique), fresh random ones, or "". */
async function chooseFromIds(tx: Tx, s: Submission, useFromId: boolean): Promise<string[]> {
  if (!useFromId) return s.recipients.map(() => "");
  if (s.fromId) {
    if (await fromIdTaken(tx, s.fromId)) throw new DeliveryError("fromIdTaken", "FromID already used");
    return [s.fromId];
  }
  // mox: 16 random bytes, base64url without padding (22 characters); collisions are not a concern.
  return s.recipients.map(() => randomBytes(16).toString("base64url"));
}

/** MAIL FROM per FromID: `<localpart before the catchall separator><sep><fromId>@<domain>`. */
async function fromIdSenders(tx: Tx, sender: EmailAddress, fromIds: string[]): Promise<string[]> {
  const sep = (await getDomain(tx, sender.domain))?.catchallSeparator || "+";
  const cut = sender.localpart.indexOf(sep);
  const base = cut >= 0 ? sender.localpart.slice(0, cut) : sender.localpart;
  return fromIds.map((id) => formatAddress({ localpart: `${base}${sep}${id}`, domain: sender.domain }));
}

/** Bare CR and LF become CRLF (what goes on the wire, and what DKIM signs). */
export function toCrlf(raw: Buffer): Buffer {
  const s = raw.toString("latin1");
  if (!/\r(?!\n)|(?<!\r)\n/.test(s)) return raw;
  return Buffer.from(s.replace(/\r\n|\r|\n/g, "\r\n"), "latin1");
}
