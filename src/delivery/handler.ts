// The queue handler for kind "delivery": gathers the due jobs of one group (same submission,
// recipient domain and MAIL FROM) into one batch, delivers it in one SMTP transaction where
// the server allows, and records every recipient's outcome. No transaction is open while
// talking SMTP; the outcome transaction only changes rows that are still queued, so a job
// re-claimed after a crash never records (or DSNs) a recipient twice.
import { claimJobs, completeJob, rescheduleJob, type Job, type JobHandler } from "../queue/index.js";
import { attemptDelivery, type Outcome } from "./attempt.js";
import { recordOutcomes, type Item } from "./outcome.js";
import { loadOutbound, loadOutboundWithRaw, type OutboundRow } from "./queries.js";
import { suppressedAmong } from "./suppressions.js";
import { deliveryJobKind } from "./submit.js";
import type { Ctx } from "./types.js";

// RFC 5321 §4.5.3.1.8: servers accept at least 100 recipients per transaction.
const maxBatch = 100;
const farFuture = new Date("9999-01-01T00:00:00Z");

type Batch = { jobs: Job[]; done: Promise<void>; finish(): void };

/** Creates the handler; jobs of one group claimed together join one batch. */
export function createDeliveryHandler(ctx: Ctx): JobHandler {
  const open = new Map<string, Batch>();
  return async (job, signal) => {
    const key = job.groupKey ?? `job:${job.id}`;
    const joined = open.get(key);
    if (joined) {
      joined.jobs.push(job);
      return joined.done;
    }
    const batch = newBatch(job);
    open.set(key, batch);
    try {
      // Siblings from the same claim start synchronously after us and join here.
      await Promise.resolve();
      const alone = Number(job.payload.groupSize ?? 0) === 1;
      const more = job.groupKey && !alone ? await claimGroup(ctx, job, maxBatch - batch.jobs.length) : [];
      open.delete(key);
      await deliverBatch(ctx, [...batch.jobs, ...more], signal);
    } finally {
      if (open.get(key) === batch) open.delete(key);
      batch.finish();
    }
  };
}

function newBatch(job: Job): Batch {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return { jobs: [job], done, finish };
}

async function claimGroup(ctx: Ctx, job: Job, limit: number): Promise<Job[]> {
  if (limit <= 0 || !job.lockedBy) return [];
  return claimJobs(ctx.db, {
    kinds: [deliveryJobKind],
    workerId: job.lockedBy,
    limit,
    now: new Date(ctx.clock.now()),
    groupKey: job.groupKey!,
  });
}

/**
 * Delivers one batch; on an unexpected fault its jobs are retried a minute (scaled) later. When
 * `signal` aborted the attempt (shutdown), only recipients the remote answered are recorded;
 * the others' jobs stay locked for the runner to hand back uncounted.
 */
async function deliverBatch(ctx: Ctx, jobs: Job[], signal: AbortSignal): Promise<void> {
  try {
    const { items, raw } = await prepare(ctx, jobs);
    if (items.length === 0) return;
    const started = ctx.clock.now();
    const outcomes = await outcomesFor(ctx, items, raw, signal);
    if (signal.aborted) {
      const answered = (o: Outcome) => o.kind === "delivered" || o.code > 0 || o.suppressed === true;
      const keep = items.flatMap((it, i) => (answered(outcomes[i]!) ? [{ it, o: outcomes[i]! }] : []));
      ctx.log.info({ jobIds: items.filter((_, i) => !answered(outcomes[i]!)).map((it) => it.job.id) }, "delivery cut short by shutdown, handing back");
      if (keep.length > 0) await recordOutcomes(ctx, keep.map((k) => k.it), keep.map((k) => k.o), started);
      return;
    }
    await recordOutcomes(ctx, items, outcomes, started);
  } catch (err) {
    if (signal.aborted) return; // handed back by the runner
    ctx.log.error({ err, jobIds: jobs.map((j) => j.id) }, "delivery batch failed, retrying later");
    const at = new Date(ctx.clock.now() + 60_000 / ctx.timeScale);
    for (const j of jobs) await rescheduleJob(ctx.db, j, at, String(err)).catch(() => {}); // stale-lock recovery retries it
  }
}

/** Loads the rows; jobs whose row is gone or finished are completed, held ones parked. */
async function prepare(ctx: Ctx, jobs: Job[]): Promise<Prepared> {
  // One job (the common case): its row and raw message in one statement.
  let raw: Buffer | null | undefined;
  let loaded: OutboundRow[];
  if (jobs.length === 1) {
    const one = await loadOutboundWithRaw(ctx.db, msgIdOf(jobs[0]!));
    loaded = one ? [one.row] : [];
    raw = one?.raw ?? null;
  } else loaded = await loadOutbound(ctx.db, jobs.map(msgIdOf));
  const rows = new Map(loaded.map((r) => [r.id, r]));
  const items: Item[] = [];
  for (const job of jobs) {
    const row = rows.get(msgIdOf(job));
    if (!row || row.status !== "queued") await completeJob(ctx.db, job);
    else if (row.hold) await rescheduleJob(ctx.db, job, farFuture, null);
    else items.push({ job, row });
  }
  return { items, raw };
}

/** The jobs to attempt, and the raw message when it was loaded with them. */
type Prepared = { items: Item[]; raw: Buffer | null | undefined };

function msgIdOf(job: Job): number {
  return Number(job.payload.msgId);
}

/** Suppressed recipients fail before connecting (mox §3.3); the rest go to the remote. */
async function outcomesFor(ctx: Ctx, items: Item[], raw: Buffer | null | undefined, signal: AbortSignal): Promise<Outcome[]> {
  // A batch has one sender account (one submission).
  const listed = await suppressedAmong(ctx.db, items[0]!.row.accountId, items.map((it) => it.row.recipient));
  const outcomes: (Outcome | null)[] = items.map((it) => (listed.has(it.row.recipient) ? suppressedOutcome : null));
  const sendable = items.filter((_, i) => outcomes[i] === null);
  if (sendable.length > 0) {
    const sent = await attemptDelivery(ctx, sendable.map((it) => it.row), raw, signal);
    let k = 0;
    for (let i = 0; i < outcomes.length; i++) if (outcomes[i] === null) outcomes[i] = sent[k++]!;
  }
  return outcomes as Outcome[];
}

const suppressedOutcome: Outcome = {
  kind: "failed",
  permanent: true,
  suppressed: true,
  code: 0,
  secode: "",
  lines: [],
  error: "address is on suppression list",
};
