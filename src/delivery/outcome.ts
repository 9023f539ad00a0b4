// Records the outcome of an attempt in ONE transaction per batch (docs/contract.md §3.3): row state,
// result, event, suppression, DSN and the job's completion or next run all commit together.
// Only rows still queued change, so a late or repeated outcome is a no-op.
import type { Tx } from "../db/index.js";
import { completeJob, deliverySchedule, maxAttempts, rescheduleJob, retryDelay, type Job } from "../queue/index.js";
import type { Outcome } from "./attempt.js";
import { prepareDsn, storeDsn, type PreparedDsn } from "./dsn.js";
import { appendOutgoing } from "./events.js";
import { delayRow, retireRow, type OutboundRow } from "./queries.js";
import { processFailure } from "./suppressions.js";
import type { Ctx, DeliveryResult } from "./types.js";

/** A claimed job with its queued row. */
export type Item = { job: Job; row: OutboundRow };

// mox: the 5th failed attempt gets a delayed DSN, retries promised until the last attempt + 28 h.
const delayedDsnAttempt = 5;
const hour = 3_600_000;

/**
 * Records outcomes (aligned with items) and wakes event readers after commit. DSNs are composed
 * and parsed before the transaction opens; they are stored only for rows that change in it.
 */
export async function recordOutcomes(ctx: Ctx, items: Item[], outcomes: Outcome[], started: number): Promise<void> {
  const now = new Date(ctx.clock.now());
  const dsns = await Promise.all(items.map((it, i) => dsnFor(ctx, it, outcomes[i]!, now)));
  const accounts = new Set<number>();
  await ctx.db.transaction(async (tx) => {
    for (const [i, it] of items.entries()) {
      const o = outcomes[i]!;
      if (await recordOne(ctx, tx, it, o, resultOf(o, started, now), now)) {
        accounts.add(it.row.accountId);
        if (dsns[i]) await storeDsn(tx, dsns[i]);
      }
    }
  });
  for (const a of accounts) ctx.eventLog.committed(a);
}

/** True when this outcome ends the message (delivered, permanent, or out of attempts). */
function isFinal(it: Item, o: Outcome): boolean {
  return o.kind === "delivered" || o.permanent || it.job.attempts >= maxAttempts(deliverySchedule);
}

/** The failure DSN of a final failure, the delayed DSN of the 5th temporary one, else null. */
async function dsnFor(ctx: Ctx, it: Item, o: Outcome, now: Date): Promise<PreparedDsn | null> {
  if (o.kind === "delivered") return null;
  const d = { secode: o.secode, error: o.error, lines: o.lines, now };
  if (isFinal(it, o)) return prepareDsn(ctx, it.row, { ...d, permanent: true });
  if (it.job.attempts !== delayedDsnAttempt) return null;
  // mox: retries promised until the last attempt + 28 h (scaled like every wait).
  return prepareDsn(ctx, it.row, { ...d, permanent: false, retryUntil: new Date(now.getTime() + (28 * hour) / ctx.timeScale) });
}

function resultOf(o: Outcome, started: number, now: Date): DeliveryResult {
  return {
    start: new Date(started).toISOString(),
    durationMs: now.getTime() - started,
    success: o.kind === "delivered",
    code: o.code,
    secode: o.secode,
    error: o.kind === "failed" ? o.error : "",
    ...(o.remote ? { host: o.remote.host, tls: o.remote.tls } : {}),
  };
}

/** Records one recipient; false when its row was no longer queued (nothing to tell). */
async function recordOne(ctx: Ctx, tx: Tx, it: Item, o: Outcome, result: DeliveryResult, now: Date): Promise<boolean> {
  const attempts = it.job.attempts;
  if (o.kind === "failed" && !isFinal(it, o)) return recordDelay(ctx, tx, it, o, result, now);
  const status = o.kind === "delivered" ? "delivered" : o.suppressed ? "suppressed" : "failed";
  // Independent: pipelined on the transaction's connection (one round trip).
  const [row] = await Promise.all([retireRow(tx, it.row.id, { status, result, attempts, now }), completeJob(tx, it.job)]);
  if (!row) return false;
  if (o.kind === "delivered") {
    // Postwire decision: a queue `delivered` event carries the remote's reply code (mox: 0).
    await appendOutgoing(ctx.eventLog, tx, row, "delivered", { code: o.code, secode: o.secode }, now);
    return true;
  }
  const suppressing = await processFailure(tx, {
    msgId: row.id,
    accountId: row.accountId,
    recipient: row.recipient,
    code: o.code,
    secode: o.secode,
    source: "queue",
  });
  const kind = o.suppressed ? "suppressed" : "failed";
  await appendOutgoing(ctx.eventLog, tx, row, kind, { code: o.code, secode: o.secode, error: o.error, suppressing }, now);
  return true;
}

async function recordDelay(ctx: Ctx, tx: Tx, it: Item, o: Extract<Outcome, { kind: "failed" }>, result: DeliveryResult, now: Date): Promise<boolean> {
  const attempts = it.job.attempts;
  const wait = retryDelay(deliverySchedule, attempts, { timeScale: ctx.timeScale }) ?? 0;
  const next = new Date(now.getTime() + wait);
  const row = await delayRow(tx, it.row.id, { result, attempts, now, nextAttemptAt: next });
  if (!row) {
    await completeJob(tx, it.job);
    return false;
  }
  await rescheduleJob(tx, it.job, next, o.error);
  await appendOutgoing(ctx.eventLog, tx, row, "delayed", { code: o.code, secode: o.secode, error: o.error }, now);
  return true;
}
