// Operator actions on the outgoing queue (docs/contract.md §3.3 "Admin"): list, hold/release,
// retry now, fail (failure DSN + `failed` event) and drop (`canceled` event, no DSN).
import { cancelUnclaimedJobs, setJobsRunAt } from "../queue/index.js";
import { prepareDsn, storeDsn } from "./dsn.js";
import { appendOutgoing } from "./events.js";
import { listOutbound, loadOutbound, retireRow, setHold, setNextAttempt, type OutboundRow } from "./queries.js";
import type { Ctx, OutboundMessage, QueueAdmin } from "./types.js";

const farFuture = new Date("9999-01-01T00:00:00Z");
const canceledError = "delivery canceled by admin";

/** The admin operations over a delivery context; `wake` runs the queue after a change. */
export function createAdmin(ctx: Ctx, wake: () => void): QueueAdmin {
  return {
    async list(filter) {
      return (await listOutbound(ctx.db, filter)).map(toMessage);
    },
    async hold(ids) {
      return ctx.db.transaction(async (tx) => {
        const rows = await setHold(tx, ids, true);
        await setJobsRunAt(tx, jobIds(rows), farFuture);
        return rows.length;
      });
    },
    async release(ids) {
      const n = await ctx.db.transaction(async (tx) => {
        const rows = await setHold(tx, ids, false);
        const now = new Date(ctx.clock.now());
        await setJobsRunAt(tx, jobIds(rows), now);
        await setNextAttempt(tx, rows.map((r) => r.id), now);
        return rows.length;
      });
      wake();
      return n;
    },
    async retryNow(ids) {
      const n = await ctx.db.transaction(async (tx) => {
        const rows = (await loadOutbound(tx, ids)).filter((r) => r.status === "queued" && !r.hold);
        const now = new Date(ctx.clock.now());
        await setNextAttempt(tx, rows.map((r) => r.id), now);
        return setJobsRunAt(tx, jobIds(rows), now);
      });
      wake();
      return n;
    },
    fail: (ids, reason) => finish(ctx, ids, "failed", reason ?? canceledError),
    drop: (ids, reason) => finish(ctx, ids, "canceled", reason ?? canceledError),
  };
}

/**
 * Retires queued rows as failed (with a DSN) or canceled. A job already claimed by a worker
 * finishes its attempt, finds the row retired and records nothing.
 */
async function finish(ctx: Ctx, ids: number[], status: "failed" | "canceled", error: string): Promise<number> {
  const now = new Date(ctx.clock.now());
  const queued = (await loadOutbound(ctx.db, ids)).filter((r) => r.status === "queued");
  const details = { secode: "", error, lines: [], now, permanent: true };
  const dsns = await Promise.all(queued.map((r) => (status === "failed" ? prepareDsn(ctx, r, details) : null)));
  const accounts = new Set<number>();
  let changed = 0;
  await ctx.db.transaction(async (tx) => {
    for (const [i, r] of queued.entries()) {
      const result = { start: now.toISOString(), durationMs: 0, success: false, code: 0, secode: "", error };
      const row = await retireRow(tx, r.id, { status, result, now });
      if (!row) continue;
      await cancelUnclaimedJobs(tx, jobIds([r]));
      await appendOutgoing(ctx.eventLog, tx, row, status, { error }, now);
      if (dsns[i]) await storeDsn(tx, dsns[i]);
      accounts.add(row.accountId);
      changed++;
    }
  });
  for (const a of accounts) ctx.eventLog.committed(a);
  return changed;
}

function jobIds(rows: OutboundRow[]): number[] {
  return rows.map((r) => r.jobId).filter((j): j is number => j !== null);
}

/** A row as the admin and the webapi see it. */
export function toMessage(r: OutboundRow): OutboundMessage {
  return {
    id: r.id,
    baseId: r.baseId,
    accountId: r.accountId,
    mailFrom: r.mailFrom,
    fromId: r.fromId,
    recipient: r.recipient,
    messageId: r.messageId,
    subject: r.subject,
    extra: r.extra,
    requireTls: r.requireTls,
    hold: r.hold,
    attempts: r.attempts,
    results: r.results,
    status: r.status,
    queuedAt: r.queuedAt,
    nextAttemptAt: r.nextAttemptAt,
    lastAttemptAt: r.lastAttemptAt,
    keepUntil: r.keepUntil,
    uniqueId: r.uniqueId,
    categories: r.categories,
  };
}
