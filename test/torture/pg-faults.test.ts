// PostgreSQL faults, long version (`npm run test:torture`), on a throwaway cluster with
// localserve at its default settings: E7 a lock held on `events` for 2 minutes while MX,
// submission and webapi traffic arrives (a 4xx within the 60 s reply budget, nothing committed
// later), E6 three immediate restarts under load, E8 a long disk-full spell.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import postgres from "postgres";
import { Ledger } from "./harness/ledger.js";
import { attemptOnce, newMessage, seededRandom } from "./harness/load.js";
import { canMakeCluster, startPgCluster, type PgCluster } from "./harness/pg-cluster.js";
import { recoveredAt, restartUnderLoad } from "./harness/pg-faults.js";
import { startTortureServer, type TortureServer } from "./harness/server.js";
import { readSnapshot } from "./harness/snapshot.js";

const holdMs = Number(process.env.TORTURE_LOCK_MS ?? 120_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("PostgreSQL faults (long)", { skip: canMakeCluster() ? false : "cannot make a throwaway PostgreSQL cluster here" }, () => {
  let cluster: PgCluster;
  let server: TortureServer;
  const ledger = new Ledger();
  const random = seededRandom(77);
  before(async () => {
    cluster = await startPgCluster();
    server = await startTortureServer({ pgBaseUrl: cluster.url, faults: "accept.in-tx:throw=53100@1-50" });
  });
  after(async () => {
    await server?.cleanup();
    cluster?.destroy();
  });
  const ledgerClean = async () => {
    const r = await server.withDb(async (db) => ledger.check(await readSnapshot(db), { drained: false }));
    assert.deepEqual(r.violations, []);
  };
  const one = async (channel: "mx" | "submission" | "webapi", timeoutMs = 30_000) => {
    const m = newMessage(channel, random);
    m.recipients = m.recipients.map((r) => r.replace("+451-250", ""));
    ledger.add(m);
    await attemptOnce({ ports: server.ports, ledger, cycle: 0, timeoutMs }, m);
    return m.attempts.at(-1)!;
  };

  it("E8: 452 4.3.1 for 50 accepts while the disk is full, then 250 without a restart", { timeout: 600_000 }, async () => {
    for (let i = 0; i < 50; i++) assert.match((await one("mx")).reply, /^452 4\.3\.1 /);
    assert.match((await one("mx")).reply, /^250 /);
    await ledgerClean();
  });

  it(`E7: a lock held ${holdMs / 1000} s on events: 4xx within 60 s on every channel, nothing committed later`, { timeout: holdMs + 300_000 }, async (t) => {
    const locker = postgres(server.proc.databaseUrl!, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = locker.begin(async (sql) => {
      await sql`lock table events in exclusive mode`;
      locked();
      await released;
    });
    await isLocked;
    const t0 = Date.now();
    const results = await Promise.all((["mx", "mx", "submission", "webapi"] as const).map(async (ch) => ({ ch, ...(await one(ch, 90_000)) }))); // the client outwaits the 60 s budget
    const answeredBy = Date.now() - t0;
    await sleep(Math.max(0, holdMs - (Date.now() - t0)));
    release();
    await holder;
    await locker.end();
    await sleep(5000); // anything still queued on the lock would commit now
    for (const r of results) t.diagnostic(`${r.ch}: ${r.outcome} after ${r.ms} ms: ${r.reply.slice(0, 100)}`);
    await ledgerClean();
    for (const r of results.filter((x) => x.ch !== "webapi")) {
      assert.ok((r.ms ?? 0) <= 60_000, `${r.ch} answered within the 60 s budget (${r.ms} ms)`);
      assert.equal(r.outcome, "refused", `${r.ch}: a temporary refusal while the log is locked (${r.reply})`);
    }
    webapiDuringStall = results.find((x) => x.ch === "webapi")!;
    assert.ok(answeredBy < holdMs + 60_000);
  });

  let webapiDuringStall: { ms?: number; outcome: string; reply: string } | null = null;
  // Send's transaction has a statement budget (src/api/routes/send.ts): rollback and 503.
  it("E7: the webapi answers a Send within the budget too (503 or a JSON error) while the database is stalled", () => {
    assert.ok(webapiDuringStall && (webapiDuringStall.ms ?? 0) <= 60_000 && webapiDuringStall.outcome === "refused", JSON.stringify(webapiDuringStall));
  });

  it("E6: three immediate restarts under load keep the ledger", { timeout: 600_000 }, async (t) => {
    for (let i = 0; i < 3; i++) {
      if (!server.running()) await server.start("");
      const r = await restartUnderLoad(cluster, server, ledger, 100 + i, { beforeMs: 2000, afterMs: 10_000, maxAfterMs: 20_000 });
      const back = recoveredAt(r.replies, r.restartedAt);
      if (!server.running()) t.diagnostic(`the server died:\n${server.proc.output().split("\n").filter((l) => !l.startsWith("{")).join("\n").slice(-1500)}`);
      t.diagnostic(`restart ${i + 1}: ${r.replies.length} sessions, server ${server.running() ? "up" : "DIED"}, accepting again ${back === null ? "never" : `${back - r.restartedAt} ms after the restart`}; webapi during: ${[...new Set(r.api.map((a) => a.reply.replace(/\{"MessageID".*/, "ok").slice(0, 60)))].join(" | ")}`);
      await ledgerClean();
    }
  });
});
