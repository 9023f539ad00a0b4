import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openTestDb, type TestDb } from "../../test/helpers/db.js";
import { silentLogger } from "../log/index.js";
import { manualClock } from "../clock/index.js";
import { claimJobs, completeJob, completeJobs, enqueue, nextDueAt, recoverStaleJobs, rescheduleJob, rescheduleJobs, retryDelay, startRunner, webhookSchedule, deliverySchedule } from "./index.js";

describe("queue", () => {
  let t: TestDb;
  before(async () => (t = await openTestDb()));
  after(async () => t.cleanup());

  it("claims each due job once and records the attempt", async () => {
    const db = t.database.db;
    const now = new Date();
    await t.database.db.transaction((tx) =>
      enqueue(t.database, tx, [1, 2, 3].map((n) => ({ kind: "claimtest", payload: { n }, runAt: now }))),
    );
    const a = await claimJobs(db, { kinds: ["claimtest"], workerId: "a", limit: 2, now: new Date(now.getTime() + 1) });
    const b = await claimJobs(db, { kinds: ["claimtest"], workerId: "b", limit: 5, now: new Date(now.getTime() + 1) });
    assert.equal(a.length, 2);
    assert.equal(b.length, 1);
    assert.deepEqual(new Set([...a, ...b].map((j) => j.payload.n)), new Set([1, 2, 3]));
    assert.ok([...a, ...b].every((j) => j.attempts === 1));
    for (const j of [...a, ...b]) assert.ok(await completeJob(db, j));
  });

  it("skips jobs that are not due and jobs locked by another worker", async () => {
    const db = t.database.db;
    const now = Date.now();
    await enqueue(t.database, db, [
      { kind: "due", payload: {}, runAt: new Date(now - 1000) },
      { kind: "due", payload: {}, runAt: new Date(now + 60_000) },
    ]);
    const first = await claimJobs(db, { kinds: ["due"], workerId: "a", limit: 10, now: new Date(now) });
    assert.equal(first.length, 1);
    const second = await claimJobs(db, { kinds: ["due"], workerId: "b", limit: 10, now: new Date(now) });
    assert.equal(second.length, 0, "locked job is not claimed again");
    // The worker crashed: after the lock timeout the job is recovered and claimed with attempt 2.
    assert.deepEqual(await recoverStaleJobs(db, new Date(now - 1)), { recovered: 0, oldestLock: first[0]!.lockedAt }, "not stale yet; its lock is the oldest");
    assert.deepEqual(await recoverStaleJobs(db, new Date(now + 1)), { recovered: 1, oldestLock: null });
    const third = await claimJobs(db, { kinds: ["due"], workerId: "b", limit: 10, now: new Date(now) });
    assert.equal(third.length, 1);
    assert.equal(third[0]!.attempts, 2);
    await rescheduleJob(db, third[0]!, new Date(now + 120_000), "x");
    assert.equal((await claimJobs(db, { kinds: ["due"], workerId: "b", limit: 10, now: new Date(now + 60_001) })).length, 1);
  });

  it("completes and reschedules several jobs in one call, each only by its lock holder", async () => {
    const db = t.database.db;
    const now = Date.now();
    await enqueue(t.database, db, [1, 2, 3, 4].map((n) => ({ kind: "batch", payload: { n }, runAt: new Date(now - 1000) })));
    const mine = await claimJobs(db, { kinds: ["batch"], workerId: "a", limit: 3, now: new Date(now) });
    const [other] = await claimJobs(db, { kinds: ["batch"], workerId: "b", limit: 3, now: new Date(now) });
    assert.equal(mine.length, 3);
    const [x, y, z] = mine;
    assert.deepEqual(await completeJobs(db, [x!, { id: other!.id, lockedBy: "a" }]), [x!.id], "another worker's job stays");
    await rescheduleJobs(db, [{ id: y!.id, runAt: new Date(now + 60_000), error: "later" }, { id: z!.id, runAt: new Date(now - 1), error: null }]);
    const again = await claimJobs(db, { kinds: ["batch"], workerId: "c", limit: 10, now: new Date(now) });
    assert.deepEqual(again.map((j) => j.id), [z!.id], "the one due again");
    assert.equal((await nextDueAt(db, ["batch"]))?.getTime(), now + 60_000, "y, unlocked for later");
    for (const j of [other!, again[0]!]) assert.ok(await completeJob(db, j));
  });

  it("tells when the next job falls due after a given time", async () => {
    const db = t.database.db;
    const now = Date.now();
    await enqueue(t.database, db, [
      { kind: "next", payload: {}, runAt: new Date(now - 5000) },
      { kind: "next", payload: {}, runAt: new Date(now + 30_000) },
    ]);
    assert.equal((await nextDueAt(db, ["next"]))?.getTime(), now - 5000);
    assert.equal((await nextDueAt(db, ["next"], new Date(now)))?.getTime(), now + 30_000, "the backlog already due is not looked at");
    assert.equal(await nextDueAt(db, ["next"], new Date(now + 30_000)), null);
  });

  it("runner processes jobs and honours the concurrency limit", async () => {
    let live = 0;
    let peak = 0;
    const done: number[] = [];
    const clock = manualClock(Date.now());
    const runner = await startRunner({
      database: t.database,
      log: silentLogger(),
      clock,
      kinds: ["run"],
      concurrency: 3,
      pollMs: 50,
      async handler(job) {
        live++;
        peak = Math.max(peak, live);
        await new Promise((r) => setTimeout(r, 20));
        live--;
        done.push(job.payload.n as number);
        await completeJob(t.database.db, job);
      },
    });
    await enqueue(t.database, t.database.db, Array.from({ length: 10 }, (_, n) => ({ kind: "run", payload: { n }, runAt: new Date(clock.now()) })));
    runner.wake();
    for (let i = 0; i < 200 && done.length < 10; i++) await new Promise((r) => setTimeout(r, 20));
    await runner.stop();
    assert.equal(done.length, 10);
    assert.ok(peak <= 3, `peak ${peak}`);
  });

  it("renews the lease of a running job, and takes over the job of a worker that stopped renewing", async () => {
    const db = t.database.db;
    const leaseMs = 300;
    const runs: { n: number; attempts: number }[] = [];
    const finished: number[] = [];
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const handler = async (job: Parameters<Parameters<typeof startRunner>[0]["handler"]>[0]) => {
      runs.push({ n: job.payload.n as number, attempts: job.attempts });
      if (job.payload.n === 1) await slow;
      await completeJob(db, job);
      finished.push(job.payload.n as number);
    };
    const opts = { database: t.database, log: silentLogger(), clock: { now: () => Date.now() }, kinds: ["lease"], concurrency: 2, pollMs: 50, lockTimeoutMs: leaseMs, handler };
    const a = await startRunner(opts);
    await enqueue(t.database, db, [{ kind: "lease", payload: { n: 1 }, runAt: new Date() }]);
    a.wake();
    const until = async (cond: () => boolean | Promise<boolean>, what: string) => {
      for (const end = Date.now() + 20_000; !(await cond()); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) assert.fail(what);
    };
    await until(() => runs.length === 1, "the first run");
    const b = await startRunner(opts);
    // Far longer than the lease: the live worker's heartbeat keeps the job its own.
    const end = Date.now() + 8 * leaseMs;
    while (Date.now() < end) {
      b.wake();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(runs.length, 1, "not taken over while its worker lives");
    release();
    await until(() => finished.includes(1), "the job done");
    assert.equal(runs.length, 1);

    // A worker that died: its claim is never renewed, and a live runner takes it over. The live
    // runners are stopped while the dead worker claims, so they cannot take the job first.
    await Promise.all([a.stop(), b.stop()]);
    await enqueue(t.database, db, [{ kind: "lease", payload: { n: 2 }, runAt: new Date() }]);
    const [dead] = await claimJobs(db, { kinds: ["lease"], workerId: "dead", limit: 1, now: new Date() });
    assert.ok(dead);
    const c = await startRunner(opts);
    await until(() => runs.some((r) => r.n === 2), "the takeover");
    assert.deepEqual(runs.find((r) => r.n === 2), { n: 2, attempts: 2 }, "the dead worker's attempt stays counted");
    await c.stop();
  });

  it("hands running jobs back uncounted when stopped past its deadline", async () => {
    const db = t.database.db;
    let seen: AbortSignal | null = null;
    const r = await startRunner({
      database: t.database,
      log: silentLogger(),
      clock: { now: () => Date.now() },
      kinds: ["abort"],
      concurrency: 1,
      pollMs: 50,
      // Never finishes on its own: returns only when aborted, leaving the job locked.
      handler: (_job, signal) => new Promise<void>((resolve) => ((seen = signal), signal.addEventListener("abort", () => resolve()))),
    });
    const [id] = await enqueue(t.database, db, [{ kind: "abort", payload: {}, runAt: new Date() }]);
    r.wake();
    for (let i = 0; i < 500 && !seen; i++) await new Promise((x) => setTimeout(x, 20));
    assert.ok(seen, "the handler ran");
    await r.stop({ deadline: performance.now() + 100 });
    assert.equal((seen as AbortSignal).aborted, true);
    const [job] = await claimJobs(db, { kinds: ["abort"], workerId: "next", limit: 1, now: new Date() });
    assert.equal(job?.id, id, "handed back, claimable at once");
    assert.equal(job!.attempts, 1, "the cut attempt was not counted");
    assert.ok(await completeJob(db, job!));
  });
});

describe("backoff", () => {
  it("follows the webhook schedule with 12 attempts", () => {
    const waits = Array.from({ length: 12 }, (_, i) => retryDelay(webhookSchedule, i + 1));
    assert.deepEqual(waits.slice(0, 4), [60_000, 120_000, 240_000, 450_000]);
    assert.equal(waits[10], 16 * 3_600_000);
    assert.equal(waits[11], null);
  });
  it("jitters within ±1% and divides by the time scale", () => {
    assert.equal(retryDelay(webhookSchedule, 1, { jitter: 0.01, random: () => 0 }), 59_400);
    assert.equal(retryDelay(webhookSchedule, 1, { jitter: 0.01, random: () => 0.999999 })! < 60_600, true);
    assert.equal(retryDelay(deliverySchedule, 1, { timeScale: 1000 }), 450);
  });
  it("lengthens a wait to Retry-After within the schedule's bounds", () => {
    assert.equal(retryDelay(webhookSchedule, 1, { minMs: 120_000 }), 120_000);
    assert.equal(retryDelay(webhookSchedule, 1, { minMs: 999 * 3_600_000 }), 16 * 3_600_000);
  });
});
