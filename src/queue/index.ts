/**
 * Durable jobs in PostgreSQL for every background kind (delivery, webhooks): enqueue inside the
 * caller's transaction, claim with one FOR UPDATE SKIP LOCKED statement that records the
 * attempt, no transaction held during work, backoff as pure functions, wake-ups in-process and
 * by NOTIFY, stale locks recovered after a crash. It knows no job kinds.
 */
import { sql } from "drizzle-orm";
import type { Database, DbOrTx } from "../db/index.js";
import { enqueueJobs, type NewJob } from "./jobs.js";
import { jobsChannel } from "./runner.js";
export { jobStats, type JobStat } from "./stats.js";

export {
  claimJobs,
  completeJob,
  completeJobs,
  rescheduleJob,
  rescheduleJobs,
  cancelUnclaimedJobs,
  setJobsRunAt,
  recoverStaleJobs,
  nextDueAt,
  type Job,
  type NewJob,
} from "./jobs.js";
export { startRunner, defaultLeaseMs, type Runner, type RunnerOptions, type JobHandler, type KeyGate } from "./runner.js";
export { retryDelay, maxAttempts, deliverySchedule, webhookSchedule, type Schedule } from "./backoff.js";

/**
 * Enqueues jobs in the caller's transaction and, on PostgreSQL, NOTIFYs every instance (sent at
 * commit). In-process runners should also be woken with `runner.wake()` after commit.
 */
export async function enqueue(database: Database, tx: DbOrTx, list: NewJob[]): Promise<number[]> {
  if (list.length === 0) return [];
  // NOTIFY is delivered only at COMMIT (dropped on rollback), so it is pipelined ahead of the
  // insert: one round trip for both. Handled at once: if the insert fails first, it is never awaited.
  const notified = database.listen ? tx.execute(sql`select pg_notify(${jobsChannel}, '')`).then(() => {}) : null;
  notified?.catch(() => {});
  const ids = await enqueueJobs(tx, list);
  await notified;
  return ids;
}
