// A job whose worker vanished is taken back by a running worker, which says so: the
// `stale job locks recovered` warning and postwire_queue_locks_recovered_total.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { openTestDb, type TestDb } from "../../test/helpers/db.js";
import { manualClock } from "../clock/index.js";
import { createLogger } from "../log/index.js";
import { createMetrics } from "../metrics/index.js";
import { claimJobs, completeJob, enqueue, startRunner } from "./index.js";

describe("recovered locks are reported", () => {
  let t: TestDb;
  before(async () => (t = await openTestDb()));
  after(async () => t.cleanup());

  it("logs and counts the jobs of a vanished worker when it takes them back", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(c: Buffer, _e, cb) {
        for (const l of c.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const metrics = createMetrics();
    const clock = manualClock(Date.now());
    await enqueue(t.database, t.database.db, [1, 2].map((n) => ({ kind: "vanish", payload: { n }, runAt: new Date(clock.now()) })));
    // A worker claims both and dies without finishing.
    assert.equal((await claimJobs(t.database.db, { kinds: ["vanish"], workerId: "dead", limit: 10, now: new Date(clock.now()) })).length, 2);
    clock.advance(61_000);
    const done: number[] = [];
    const runner = await startRunner({
      database: t.database,
      log: createLogger({ level: "info", destination: sink }),
      clock,
      kinds: ["vanish"],
      concurrency: 5,
      pollMs: 50,
      lockTimeoutMs: 60_000,
      metrics,
      async handler(job) {
        done.push(job.payload.n as number);
        await completeJob(t.database.db, job);
      },
    });
    for (let i = 0; i < 250 && done.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await runner.stop();
    assert.deepEqual(done.sort(), [1, 2]);
    const line = lines.find((l) => l.msg === "stale job locks recovered");
    assert.ok(line, JSON.stringify(lines));
    assert.equal(line.level, 40);
    assert.equal(line.recovered, 2);
    assert.deepEqual(line.kinds, ["vanish"]);
    assert.equal(line.lockTimeoutMs, 60_000);
    assert.match((await metrics.render()).body, /^postwire_queue_locks_recovered_total 2$/m);
  });
});
