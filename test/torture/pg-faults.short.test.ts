// PostgreSQL restart, short (docs/guarantees.md E6), on a throwaway cluster (never the shared
// server): `pg_ctl restart -m immediate` under MX and webapi load; in-flight DATA gets 451 4.3.0,
// the webapi 503, the process stays up and accepts new mail again within 10 s, the ledger holds;
// a Send while the cluster is stopped gets 503 with Retry-After (E8 disk full is in fuzz-wire). Skipped where
// no cluster can be made (not root, no binaries), and in the PGlite pass. Long: pg-faults.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { onPostgres } from "../helpers/db.js";
import { Ledger } from "./harness/ledger.js";
import { canMakeCluster, startPgCluster, type PgCluster } from "./harness/pg-cluster.js";
import { recoveredAt, restartUnderLoad } from "./harness/pg-faults.js";
import { login } from "./harness/drivers.js";
import { startTortureServer, type TortureServer } from "./harness/server.js";
import { readSnapshot } from "./harness/snapshot.js";

// Runs in the PostgreSQL pass of the suite (TEST_DATABASE_URL set), once: the cluster is its own.
const skip = !onPostgres ? "PostgreSQL pass only (TEST_DATABASE_URL)" : canMakeCluster() ? false : "cannot make a throwaway PostgreSQL cluster here (needs root and /usr/lib/postgresql)";

describe("PostgreSQL restart on a throwaway cluster (short)", { skip }, () => {
  let cluster: PgCluster;
  let server: TortureServer;
  const ledger = new Ledger();
  before(async () => {
    cluster = await startPgCluster();
    server = await startTortureServer({ pgBaseUrl: cluster.url });
  });
  after(async () => {
    await server?.cleanup();
    cluster?.destroy();
  });

  const ledgerClean = async () => {
    const r = await server.withDb(async (db) => ledger.check(await readSnapshot(db), { drained: false }));
    assert.deepEqual(r.violations, []);
    return r.stats;
  };

  let restart: Awaited<ReturnType<typeof restartUnderLoad>>;
  let survived = true;
  it("keeps the ledger through pg_ctl restart -m immediate under load: only 250 or 451 4.3.0 (E6)", { timeout: 120_000 }, async () => {
    restart = await restartUnderLoad(cluster, server, ledger, 6, { beforeMs: 500, afterMs: 3000, maxAfterMs: 15_000 });
    survived = server.running();
    const codes = new Set(restart.replies.filter((x) => x.outcome === "acked" || x.outcome === "refused").map((x) => x.reply.slice(0, 9)));
    for (const c of codes) assert.match(c, /^(250 2\.6\.0|451 4\.3\.0)/, `only 250 or 451 4.3.0 (saw ${[...codes].join(", ")})`);
    const stats = await ledgerClean();
    assert.ok(stats.attempts.acked > 0);
  });

  // The process survives thanks to the postgres-js guard applied at install (scripts/patch-postgres.mjs).
  it("stays up and accepts again within 10 s of the restart (E6)", (t) => {
    t.diagnostic(`restart took ${restart.restartedAt} ms; first of the 250s that followed at ${recoveredAt(restart.replies, restart.restartedAt)} ms`);
    assert.ok(survived, `the server process died during the restart:\n${server.proc.output().split("\n").filter((l) => !l.startsWith("{")).join("\n").slice(-1500)}`);
    const back = recoveredAt(restart.replies, restart.restartedAt);
    assert.ok(back !== null && back - restart.restartedAt < 10_000, `accepting again within 10 s (at ${back} ms, restart done at ${restart.restartedAt} ms)`);
  });

  it("answers the webapi with 200 or 503 while the database is away (E6)", (t) => {
    const seen = new Map<string, number>();
    for (const a of restart.api) seen.set(a.reply.slice(0, 3), (seen.get(a.reply.slice(0, 3)) ?? 0) + 1);
    t.diagnostic(`webapi replies: ${[...seen].map(([k, n]) => `${k} ×${n}`).join(", ")}`);
    const bad = restart.api.filter((a) => !/^(200|503) /.test(a.reply));
    assert.deepEqual(bad.map((a) => `${a.atMs} ms: ${a.reply.slice(0, 80)}`), []);
  });

  it("answers a webapi Send 503 with Retry-After while PostgreSQL is stopped, 200 once it is back (E6)", { timeout: 60_000 }, async () => {
    const send = async (n: number) => {
      const request = JSON.stringify({ To: [{ Address: "api@example.com" }], Subject: `down ${n}`, Text: "x" });
      const r = await fetch(`http://127.0.0.1:${server.ports.http}/webapi/v0/Send`, {
        method: "POST",
        headers: { Authorization: `Basic ${Buffer.from(`${login.user}:${login.password}`).toString("base64")}` },
        body: new URLSearchParams({ request }),
        signal: AbortSignal.timeout(30_000),
      });
      return { status: r.status, retryAfter: r.headers.get("retry-after"), text: (await r.text()).trim() };
    };
    cluster.stopImmediate();
    try {
      for (let i = 0; i < 3; i++) {
        const r = await send(i);
        assert.equal(r.status, 503, JSON.stringify(r));
        assert.equal(r.retryAfter, "5");
      }
    } finally {
      cluster.start();
    }
    const t0 = Date.now();
    let last = await send(3);
    while (last.status !== 200 && Date.now() - t0 < 10_000) {
      assert.equal(last.status, 503, JSON.stringify(last));
      await new Promise((r) => setTimeout(r, 200));
      last = await send(4);
    }
    assert.equal(last.status, 200, `a Send succeeds within 10 s of the start (${JSON.stringify(last)})`);
    assert.ok(server.running());
  });
});
