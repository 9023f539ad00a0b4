// The queue handler for kind "webhook" (docs/contract.md §2.5–2.8): count the attempt in the database
// (committed before the POST), wait for a POST slot of the URL, POST without any transaction
// open, give the slot back as soon as the answer is in, then record the result in one transaction
// that also completes or reschedules the job (both commits are shared with other webhooks at the
// same time: group commit, and attempts starting or ending together are one statement each:
// coalesce.ts). The slot covers the POST alone, so the URL's concurrency limits what
// the receiver sees, not how many commits can be under way for it. 2xx retires the webhook as
// delivered; 410 disables the target and retires it as failed; other failures are retried on
// the schedule until the 12th; a webhook superseded during its POST keeps the late result.
import type { Logger } from "pino";
import type { Clock } from "../clock/index.js";
import { retryTransient, sharedGroupCommit, type Db, type Tx } from "../db/index.js";
import { faultPoint } from "../fault/index.js";
import type { Metrics } from "../metrics/index.js";
import { completeJob, completeJobs, rescheduleJobs, type Job, type JobHandler } from "../queue/index.js";
import { coalesced } from "./coalesce.js";
import type { Admission } from "./admission.js";
import { disableTarget } from "./config.js";
import type { PostResult, WebhookPoster } from "./post.js";
import { releaseSuccessor } from "./outbox.js";
import { beginAttempts, endInFlight, lockWebhook, retireWebhooks, setResults, settlePending, undoAttempt, withResult, type Settlement, type StartedAttempt, type WebhookRow } from "./queries.js";
import { nextAttemptAt } from "./retry-after.js";
import type { WebhookAttempt } from "../db/schema/index.js";

/** How long a commit of an attempt is retried while the database is unreachable. */
const recordRetryMs = 30_000;

/** What the handler needs. */
export type HandlerCtx = {
  db: Db;
  log: Logger;
  clock: Clock;
  poster: WebhookPoster;
  admission: Admission;
  timeScale: number;
  random: () => number;
  /** The account's keep period for retired webhooks (may be cached briefly). */
  keepPeriod(accountId: number): Promise<number>;
  /** Looks for due webhooks now: a held webhook was released (its run_at set to now, no NOTIFY). */
  wake?: () => void;
  /** Attempt counters and latency (absent: none). */
  metrics?: Metrics;
};

/**
 * The `webhook attempt` line (webhook id, URL host, attempt number, HTTP status, duration) and
 * the attempt metrics. The URL's path and query (which may carry a token) are not logged.
 */
function logAttempt(ctx: HandlerCtx, a: { webhook: number; jobId: number; url: string; attempt: number; result: PostResult }): void {
  ctx.metrics?.webhookAttempt(a.result.status, a.result.durationMs / 1000);
  ctx.log.info(
    { webhook: a.webhook, jobId: a.jobId, host: urlHost(a.url), attempt: a.attempt, status: a.result.status, ok: a.result.ok, durationMs: a.result.durationMs, error: a.result.error || undefined },
    "webhook attempt",
  );
}

/** The host of a webhook URL for logs: its path and query may carry a token. */
function urlHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return ""; // a stored URL was validated when configured; an unparsable one is logged without a host
  }
}

/** An attempt's result to record: `settlement` is null for a 410 (the careful path). */
type Outcome = { job: Job; id: number; entry: WebhookAttempt; now: Date; settlement: Settlement | null };

/** The two commits of every attempt, each shared by the attempts at that step at the same time. */
type Steps = {
  begin(x: { jobId: number; start: Date }): Promise<StartedAttempt | null>;
  /** True when it released a superseded webhook's successor. */
  record(o: Outcome): Promise<boolean>;
};

/** Creates the handler; see the file comment. */
export function createWebhookHandler(ctx: HandlerCtx): JobHandler {
  const commit = () => sharedGroupCommit(ctx.db);
  const steps: Steps = {
    begin: coalesced(commit, async (tx, items: { jobId: number; start: Date }[]) => {
      const rows = await beginAttempts(tx, items);
      return items.map((x) => rows.get(x.jobId) ?? null);
    }),
    record: coalesced(commit, (tx, items: Outcome[]) => recordResults(ctx, tx, items)),
  };
  return (job, signal) => deliver(ctx, steps, job, signal);
}

async function deliver(ctx: HandlerCtx, steps: Steps, job: Job, signal: AbortSignal): Promise<void> {
  const start = ctx.clock.now();
  // Committed before the POST.
  // Both commits ride out a database restart in process (a few seconds): thrown, the job would
  // be rescheduled by the runner alone, its webhook's next attempt time left behind, and a POST
  // already made would keep the "process stopped" placeholder as its result.
  const row = await retryTransient("counting a webhook attempt", () => steps.begin({ jobId: job.id, start: new Date(start) }), { log: ctx.log, maxMs: recordRetryMs });
  // Superseded, canceled or removed before this attempt, or the POST of a superseded webhook
  // was cut by a crash: nothing to send; the message's next webhook may go.
  if (!row) {
    const released = await sharedGroupCommit(ctx.db).run(async (tx) => {
      let n = 0;
      for (const m of await endInFlight(tx, job.id)) n += await releaseSuccessor(tx, m.accountId, m.queueMsgId, new Date(start));
      await completeJob(tx, job);
      return n;
    });
    if (released > 0) ctx.wake?.();
    return;
  }
  const id = row.id;
  const attempt = row.attempts;
  const entry: WebhookAttempt = { attempt, start: new Date(start).toISOString(), durationMs: 0, url: row.url, success: false, code: 0, error: "", response: "" };
  if (row.disabledReason !== null) {
    // The receiver asked (410) not to be called any more: fail without a POST.
    const error = `not sent: ${row.kind} webhook endpoint disabled (${row.disabledReason})`;
    await sharedGroupCommit(ctx.db).run((tx) => retire(tx, job, row, "failed", withResult(row.results, { ...entry, error }), new Date(start)));
    return;
  }
  // The job's limitKey is the webhook's URL (outbox.ts).
  const release = await ctx.admission.slot(job.limitKey ?? row.url);
  if (!release) {
    // Shutting down: the attempt never started. Take its count back and leave the job locked;
    // the runner's stop releases this worker's locks. (A crash here leaves it counted: safe.)
    await sharedGroupCommit(ctx.db).run((tx) => undoAttempt(tx, id, attempt));
    return;
  }
  let result: PostResult;
  try {
    result = await ctx.poster.post({
      url: row.url,
      body: row.payload,
      hookId: row.originId ?? row.id,
      webhookId: row.webhookId,
      attempt,
      authorization: row.authorization || undefined,
      secrets: row.secrets,
      signal,
    });
  } finally {
    release();
  }
  if (signal.aborted && !result.ok) {
    // Shutdown cut the POST short: not a failed attempt. Its count is taken back and the job
    // stays locked for the runner to hand back; the retry keeps the same webhook-id.
    await sharedGroupCommit(ctx.db).run((tx) => undoAttempt(tx, id, attempt));
    return;
  }
  await faultPoint("webhook.after-post"); // FAULT (test/torture): the receiver has it, the result is not recorded
  logAttempt(ctx, { webhook: id, jobId: job.id, url: row.url, attempt, result });
  const done = { ...entry, durationMs: result.durationMs, success: result.ok, code: result.status, error: result.error ?? "", response: result.responseHead };
  const now = ctx.clock.now();
  const next = result.ok || result.disable ? null : nextAttemptAt(attempt, start, { retryAfterMs: result.retryAfterMs, finishedAt: now, timeScale: ctx.timeScale, random: ctx.random });
  if (!result.ok && !result.disable && next === null) {
    ctx.log.warn({ webhook: id, accountId: row.accountId, host: urlHost(row.url), attempts: attempt, error: done.error }, "webhook failed after its last attempt");
  }
  const at = new Date(now);
  const record = async () => {
    // Read before the transaction: on PGlite a query outside it would wait for it.
    const keepMs = next === null ? await ctx.keepPeriod(row.accountId) : 0;
    const settlement: Settlement | null = result.disable
      ? null
      : next !== null
        ? { id, entry: done, now: at, next: new Date(next) }
        : { id, entry: done, now: at, status: result.ok ? "delivered" : "failed", keepMs };
    return steps.record({ job, id, entry: done, now: at, settlement });
  };
  // A superseded webhook's successor may go now: the runner looks for it at once.
  if (await retryTransient("recording a webhook attempt", record, { log: ctx.log, maxMs: recordRetryMs })) ctx.wake?.();
}

/**
 * Records attempt results in the caller's transaction: the still pending webhooks in one
 * statement per kind of outcome and their jobs in one per kind, then the careful path for the
 * rest (a 410, a webhook superseded during its POST).
 */
async function recordResults(ctx: HandlerCtx, tx: Tx, items: Outcome[]): Promise<boolean[]> {
  const settled = await settlePending(tx, items.flatMap((o) => (o.settlement ? [o.settlement] : [])));
  const retry: { id: number; runAt: Date; error: string }[] = [];
  const complete: Job[] = [];
  for (const { job, settlement: s, entry } of items) {
    if (!s || !settled.has(s.id)) continue;
    if ("next" in s) retry.push({ id: job.id, runAt: s.next, error: entry.error });
    else complete.push(job);
  }
  await Promise.all([rescheduleJobs(tx, retry), completeJobs(tx, complete)]);
  const released: boolean[] = [];
  for (const o of items) released.push(o.settlement && settled.has(o.id) ? false : await recordLocked(ctx, tx, o.job, o.id, o.entry, o.now));
  return released;
}

/** The careful path: a 410, or a webhook superseded during its POST. True when a successor was released. */
async function recordLocked(ctx: HandlerCtx, tx: Tx, job: Job, id: number, entry: WebhookAttempt, now: Date): Promise<boolean> {
  const row = await lockWebhook(tx, id);
  if (!row) {
    await completeJob(tx, job); // removed (account deleted, or keep period 0)
    return false;
  }
  if (row.status !== "pending" && recordedAlready(row.results, entry)) {
    // A retried record whose first COMMIT went through although its answer was lost.
    await completeJob(tx, job);
    return false;
  }
  if (row.status !== "pending") {
    // Superseded (or canceled) while the POST ran: keep the result on the retired row.
    const late = { ...entry, error: `${entry.error}${entry.error ? " " : ""}(${row.status})` };
    await setResults(tx, id, withResult(row.results, late), now);
    await completeJob(tx, job);
    return (await releaseSuccessor(tx, row.accountId, row.queueMsgId, now)) > 0;
  }
  // 410 Gone: the target is disabled until reconfigured, and this webhook fails.
  const reason = `receiver answered 410 Gone at ${now.toISOString()}; disabled until reconfigured`;
  await disableTarget(tx, row.accountId, row.kind, row.url, reason, now);
  const last = { ...entry, error: `${entry.error}; endpoint disabled until reconfigured` };
  ctx.log.warn({ webhook: id, accountId: row.accountId, kind: row.kind, host: urlHost(row.url) }, "webhook endpoint answered 410, disabled until reconfigured");
  await retire(tx, job, row, "failed", withResult(row.results, last), now);
  return false;
}

async function retire(tx: Tx, job: Job, row: WebhookRow, status: "delivered" | "failed", results: WebhookAttempt[], now: Date): Promise<void> {
  await retireWebhooks(tx, [row.id], { accountId: row.accountId, status, now, results });
  await completeJob(tx, job);
}

/** True when this very attempt's result is already on the row (same attempt and start). */
function recordedAlready(results: readonly WebhookAttempt[], entry: WebhookAttempt): boolean {
  return results.some((r) => r.attempt === entry.attempt && r.start === entry.start && r.durationMs === entry.durationMs && r.code === entry.code && r.error === entry.error);
}
