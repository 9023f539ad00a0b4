// The torture loop, long version (`npm run test:torture`; not in CI): 100 kill -9 cycles on a
// throwaway PostgreSQL cluster (fsync on) under mixed MX/submission/webapi load (and webhooks
// when the server has them), every third cycle at a fault point (accept after commit, delivery
// after the MX's 250, webhook after the POST), the ledger after every cycle and the idle
// invariants every tenth. TORTURE_CYCLES, TORTURE_SEED, TORTURE_PG_URL (use an existing server
// instead of a cluster) and TORTURE_PGLITE=1 (E11) adjust it. Figures go to the TAP diagnostics.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { canMakeCluster, startPgCluster, type PgCluster } from "./harness/pg-cluster.js";
import { runTorture } from "./harness/torture.js";

const cycles = Number(process.env.TORTURE_CYCLES ?? 100);
const seed = Number(process.env.TORTURE_SEED ?? Date.now() % 1_000_000);
const external = process.env.TORTURE_PG_URL;
// E11: TORTURE_PGLITE=1 runs the cycles on PGlite instead (the data dir must reopen every time).
const pglite = Boolean(process.env.TORTURE_PGLITE);

describe(`torture: ${cycles} kill -9 cycles on ${pglite ? "PGlite" : "PostgreSQL"}`, { skip: pglite || external || canMakeCluster() ? false : "no PostgreSQL cluster can be made here; set TORTURE_PG_URL" }, () => {
  let cluster: PgCluster | null = null;
  before(async () => {
    if (pglite) delete process.env.TEST_DATABASE_URL;
    else if (!external) cluster = await startPgCluster();
  });
  after(() => cluster?.destroy());

  it(`holds the ledger (seed ${seed})`, { timeout: 6 * 3600_000 }, async (t) => {
    const r = await runTorture({
      seed,
      cycles,
      pgBaseUrl: pglite ? undefined : (external ?? cluster!.url),
      killAfterMs: [300, 4000],
      faultEvery: 3,
      drainEvery: 10,
      workers: 4,
      log: (l) => {
        t.diagnostic(l);
        if (process.env.TORTURE_PROGRESS) process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${l}\n`);
      },
    });
    const starts = [...r.startsMs].sort((a, b) => a - b);
    const rss = r.cycles.map((c) => c.rssKb).filter((x) => x > 0);
    t.diagnostic(`seed ${seed}, backend ${r.backend}, webhooks ${r.webhooks ? "on" : "off (not wired)"}, hook requests ${r.hookRequests}`);
    t.diagnostic(`stats ${JSON.stringify(r.stats)}`);
    t.diagnostic(`restart ms p50 ${starts[Math.floor(starts.length / 2)]} max ${starts.at(-1)}; child RSS MB min ${Math.round(Math.min(...rss) / 1024)} max ${Math.round(Math.max(...rss) / 1024)}`);
    t.diagnostic(`fault cycles: ${r.cycles.filter((c) => c.how.startsWith("fault")).map((c) => `${c.cycle}:${c.how.replace("fault point ", "")}`).join(", ")}`);
    assert.deepEqual(r.violations, [], `seed ${seed}`);
    assert.deepEqual(r.badSignatures, []);
    assert.equal(r.cycles.length, cycles);
  });
});
