import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../clock/index.js";
import type { Database } from "../db/index.js";
import type { Metrics } from "../metrics/index.js";
import { claimJobs, nextDueAt, recoverStaleJobs, releaseWorkerJobs, renewWorkerJobs, rescheduleJob, type Job } from "./jobs.js";

/**
 * Handles one claimed job; it completes or reschedules the job itself, in its own transaction.
 * `signal` aborts when the process stops and its grace period is over: the handler then cuts
 * its network work short and returns leaving the job locked (nothing recorded), and the runner
 * hands it back uncounted. Work that already got its answer is recorded as usual.
 */
export type JobHandler = (job: Job, signal: AbortSignal) => Promise<void>;

/** Default lease of a claimed job (config `queue.lockTimeout`): renewed every third of it while the job runs. */
export const defaultLeaseMs = 15_000;

/**
 * Optional per-key concurrency gate (e.g. webhook URLs): claims skip `saturatedKeys()`, take at
 * most `claimLimit()` jobs when given, and a claimed job the gate refuses is handed back.
 */
export type KeyGate = { tryAcquire(key: string): boolean; release(key: string): void; saturatedKeys(): string[]; claimLimit?(): number };

export type RunnerOptions = {
  database: Database;
  log: Logger;
  clock: Clock;
  kinds: string[];
  handler: JobHandler;
  concurrency: number;
  gate?: KeyGate;
  /** Fallback poll interval; wake-ups normally come from wake() or NOTIFY. */
  pollMs?: number;
  /**
   * Lease of a claimed job: renewed every third of it while the job runs, so a job whose
   * process died (its lease not renewed) is claimed again once this has passed.
   */
  lockTimeoutMs?: number;
  /** Wait before a job whose handler threw is retried. */
  crashRetryMs?: number;
  /** Counts recovered locks (absent: none). */
  metrics?: Metrics;
};

/** The `stale job locks recovered` line: work of a vanished worker goes back to the queue. */
function lockRecovered(o: RunnerOptions, log: Logger, recovered: number, lockTimeoutMs: number): void {
  o.metrics?.locksRecovered(recovered);
  log.warn({ recovered, kinds: o.kinds, lockTimeoutMs }, "stale job locks recovered");
}

/** A running worker for some job kinds. */
export type Runner = {
  wake(): void;
  /**
   * Claims no more, lets running jobs finish until `deadline` (a `performance.now()` time;
   * default: wait for them), then aborts what is left and hands every job still held back
   * uncounted, for another process or the next start.
   */
  stop(o?: { deadline?: number }): Promise<void>;
  readonly workerId: string;
};

const channel = "postwire_jobs";

/**
 * Starts a worker loop: claim due jobs up to the concurrency, run handlers without holding any
 * transaction, sleep until the next due job, a wake-up (in-process or NOTIFY) or the poll.
 */
export async function startRunner(o: RunnerOptions): Promise<Runner> {
  const workerId = `${o.kinds.join("+")}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const log = o.log.child({ worker: workerId });
  const pollMs = o.pollMs ?? 2000;
  let inflight = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let looping = false;
  let again = false;
  let kicked = false;
  const lockTimeoutMs = o.lockTimeoutMs ?? defaultLeaseMs;
  const aborter = new AbortController();
  let heartbeat: NodeJS.Timeout | null = null;
  // No lock can go stale before this (clock time): recovery is not looked for on every loop.
  let recoverAt = -Infinity;
  let recoveredAt = -Infinity;
  const running = new Set<Promise<void>>();
  // Set after a claim that took fewer jobs than it asked for: it took every due job it could,
  // and what is still due belongs to these saturated keys. Until a job may have become due (a
  // wake-up, a NOTIFY, the timer) or one of them leaves saturation, a claim would find nothing
  // (after scanning that backlog), so a finishing job does not make one.
  let exhausted: Set<string> | null = null;
  let wakes = 0; // external wake-ups so far
  let claimedAt = 0;

  const unlisten = o.database.listen ? await o.database.listen(channel, () => kick()) : null;

  // Wake-ups in the same turn of the event loop (several jobs finishing, a burst of NOTIFYs)
  // make one claim. `external`: new jobs may be due (not just a job of this runner finishing).
  function kick(external = true): void {
    if (stopped) return;
    if (external) {
      exhausted = null;
      wakes++;
    }
    if (looping) {
      again = true;
      return;
    }
    if (kicked) return;
    kicked = true;
    setImmediate(() => {
      kicked = false;
      if (looping) again = true;
      else void loop();
    });
  }

  async function loop(): Promise<void> {
    looping = true;
    try {
      do {
        again = false;
        const now = o.clock.now();
        if (now >= recoverAt || now < recoveredAt) {
          // Locks older than the lock timeout belong to crashed workers. Any lock taken after
          // this statement goes stale only after now + timeout.
          const r = await recoverStaleJobs(o.database.db, new Date(now - lockTimeoutMs));
          if (r.recovered > 0) {
            lockRecovered(o, log, r.recovered, lockTimeoutMs);
            exhausted = null;
          }
          recoveredAt = now;
          recoverAt = Math.min(now, r.oldestLock?.getTime() ?? now) + lockTimeoutMs;
        }
        const room = Math.min(o.concurrency - inflight, o.gate?.claimLimit?.() ?? Infinity);
        if (room <= 0) return;
        const skipKeys = o.gate?.saturatedKeys() ?? [];
        const busy = new Set(skipKeys);
        if (exhausted && [...exhausted].every((k) => busy.has(k))) break; // nothing new to claim
        const seen = wakes;
        claimedAt = o.clock.now();
        const jobs = await claimJobs(o.database.db, { kinds: o.kinds, workerId, limit: room, now: new Date(claimedAt), skipKeys });
        for (const job of jobs) start(job);
        if (jobs.length === room) {
          again = true;
          exhausted = null;
        } else exhausted = wakes === seen && busy.size > 0 ? busy : null;
      } while (again && !stopped);
      await schedule();
    } catch (err) {
      log.warn({ err }, "queue loop failed, retrying");
      arm(pollMs);
    } finally {
      looping = false;
    }
  }

  function start(job: Job): void {
    if (job.limitKey && o.gate && !o.gate.tryAcquire(job.limitKey)) {
      // At capacity for this key: hand it back at once.
      void rescheduleJob(o.database.db, job, job.runAt, job.lastError).then(() => arm(50));
      return;
    }
    inflight++;
    renewLeases();
    const p = o
      .handler(job, aborter.signal)
      .catch(async (err: unknown) => {
        if (aborter.signal.aborted) return; // handed back by stop()
        log.error({ err, jobId: job.id, kind: job.kind }, "job handler failed");
        await rescheduleJob(o.database.db, job, new Date(o.clock.now() + (o.crashRetryMs ?? 60_000)), String(err)).catch(
          () => {}, // the lock times out and the job is recovered then
        );
      })
      .finally(() => {
        inflight--;
        if (job.limitKey) o.gate?.release(job.limitKey);
        running.delete(p);
        kick(false);
      });
    running.add(p);
  }

  // While jobs run, their leases are renewed every third of the lease: one statement for all.
  function renewLeases(): void {
    if (heartbeat) return;
    heartbeat = setInterval(() => {
      if (running.size === 0 && inflight === 0) {
        clearInterval(heartbeat!);
        heartbeat = null;
        return;
      }
      renewWorkerJobs(o.database.db, workerId, new Date(o.clock.now())).catch((err: unknown) =>
        log.warn({ err }, "renewing job leases failed"),
      );
    }, Math.max(10, Math.floor(lockTimeoutMs / 3)));
    heartbeat.unref();
  }

  async function schedule(): Promise<void> {
    // Reached after a claim that took what it could. When saturated keys held jobs back, only
    // jobs due after that claim can change that (their backlog is due already: not looked at).
    const next = await nextDueAt(o.database.db, o.kinds, exhausted ? new Date(claimedAt) : undefined);
    const now = o.clock.now();
    const wait = next ? Math.max(0, next.getTime() - now) : pollMs;
    arm(Math.min(wait, pollMs, Math.max(0, recoverAt - now)));
  }

  function arm(ms: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      kick();
    }, ms);
  }

  kick();
  return {
    workerId,
    wake: kick,
    async stop({ deadline = Infinity } = {}) {
      stopped = true;
      if (timer) clearTimeout(timer);
      await unlisten?.().catch(() => {}); // the connection may be gone already
      if (!(await settledBy(running, deadline))) {
        log.warn({ jobs: running.size }, "grace period over, aborting running jobs");
        aborter.abort();
        // Aborted handlers return at once; a hung one is not waited for past this.
        await settledBy(running, performance.now() + 5_000);
      }
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = null;
      const released = await releaseWorkerJobs(o.database.db, workerId, { uncount: true }).catch(() => 0);
      if (released > 0) log.info({ jobs: released }, "handed back unfinished jobs");
    },
  };
}

/** Waits for the promises until `deadline` (performance.now() time); true when all settled. */
async function settledBy(running: Set<Promise<void>>, deadline: number): Promise<boolean> {
  if (running.size === 0) return true;
  if (deadline === Infinity) {
    await Promise.allSettled(running);
    return true;
  }
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (t = setTimeout(() => r(false), Math.max(0, deadline - performance.now()))));
  const all = Promise.allSettled(running).then(() => true);
  try {
    return await Promise.race([all, timeout]);
  } finally {
    clearTimeout(t);
  }
}

/** NOTIFY statement for enqueuers on PostgreSQL (delivered after commit to every instance). */
export const jobsChannel = channel;
