// Two worker processes on one PostgreSQL share the webhooks without ever POSTing one webhook
// twice at the same time (the SKIP LOCKED claim), each within its per-URL limit, and the queue
// drains. PostgreSQL only: PGlite is one process. WEBHOOK_SCALE_N sets the count (default 10,000).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "drizzle-orm";
import { systemClock } from "../../src/clock/index.js";
import { schema } from "../../src/db/index.js";
import { createEventLog, type EventLog } from "../../src/events/index.js";
import { silentLogger } from "../../src/log/index.js";
import { ensureAccount, ensureDomain } from "../../src/store/index.js";
import { createWebhooks } from "../../src/webhooks/index.js";
import { startReceiver, type Receiver } from "../../src/webhooks/test-receiver.js";
import { onPostgres, openTestDb, type TestDb } from "../helpers/db.js";
import { startWorker, type WorkerProc } from "./webhooks-harness.js";

const N = Number(process.env.WEBHOOK_SCALE_N ?? 10_000);

describe("two processes on one PostgreSQL", { skip: onPostgres ? false : "PostgreSQL only (set TEST_DATABASE_URL)" }, () => {
  let t: TestDb;
  let rx: Receiver;
  let eventLog: EventLog;
  const inflight = new Map<string, number>();
  const seen = new Map<string, number>();
  let concurrentDuplicates = 0;
  let open = 0;
  let maxOpen = 0;
  const workers: WorkerProc[] = [];

  before(async () => {
    t = await openTestDb();
    rx = await startReceiver((req, res) => {
      const id = String(req.headers["webhook-id"]);
      const n = (inflight.get(id) ?? 0) + 1;
      if (n > 1) concurrentDuplicates++;
      inflight.set(id, n);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      maxOpen = Math.max(maxOpen, ++open);
      // Answer on the next turn so overlapping requests would be visible.
      setImmediate(() => {
        res.end("ok");
        open--;
        inflight.set(id, inflight.get(id)! - 1);
      });
    });
    eventLog = await createEventLog({ database: t.database, log: silentLogger() });
    const hooks = createWebhooks({
      database: t.database,
      log: silentLogger(),
      clock: systemClock,
      eventLog,
      version: "test",
      config: { concurrencyPerUrl: 4, concurrency: 64, timeoutMs: 30_000, allowHosts: [`127.0.0.1:${rx.port}`], allowLoopback: false, timeScale: 1 },
    });
    eventLog.setAppendHook(hooks.appendHook);
    const accountId = await t.database.db.transaction(async (tx) => {
      await ensureDomain(tx, { name: "scale.example" });
      const acc = await ensureAccount(tx, { name: "scale", addresses: ["scale@scale.example"] });
      await hooks.syncConfig(tx, acc.id, { incoming: { url: rx.url("/in") } });
      return acc.id;
    });
    // The webhooks are queued before any worker runs, through the outbox like inbound mail.
    const batches = Array.from({ length: Math.ceil(N / 500) }, (_, b) => b * 500);
    const queueBatch = (from: number) =>
      t.database.db.transaction(async (tx) => {
        for (let i = from; i < Math.min(N, from + 500); i++) {
          await eventLog.append(tx, { accountId, kind: "incoming", address: "scale@scale.example", payload: `{"n":${i}}` });
        }
      });
    // Four transactions at a time (the test pool has five connections).
    for (let i = 0; i < batches.length; i += 4) await Promise.all(batches.slice(i, i + 4).map(queueBatch));
  });
  after(async () => {
    for (const w of workers) await w.stop().catch(() => {});
    await eventLog.close();
    await rx.close();
    await t.cleanup();
  });

  it(`delivers ${N} webhooks once each, never concurrently twice, at most 4 per URL per process`, async () => {
    const env = { DATABASE_URL: t.url!, ALLOW: `127.0.0.1:${rx.port}`, POOL: "5" };
    const started = performance.now();
    workers.push(...(await Promise.all([startWorker(env), startWorker(env)])));
    const running = performance.now();
    const end = Date.now() + 600_000;
    while (seen.size < N) {
      if (Date.now() > end) throw new Error(`only ${seen.size} of ${N} arrived`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const secs = (performance.now() - running) / 1000;
    const pending = async () =>
      Number((await t.database.db.select({ n: sql<number>`count(*)` }).from(schema.webhooks).where(sql`status <> 'delivered'`))[0]!.n);
    while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 100));
    const byWorker = await t.database.db.execute(sql`select count(*) as n from jobs`);
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    console.log(
      `# ${N} webhooks by 2 processes in ${secs.toFixed(1)} s after start (${Math.round(N / secs)}/s; workers ready after ${((running - started) / 1000).toFixed(1)} s); max ${maxOpen} POSTs open; ${duplicates} repeated`,
    );
    assert.equal(concurrentDuplicates, 0);
    assert.equal(duplicates, 0, "no webhook was POSTed twice");
    assert.ok(maxOpen <= 8, `at most 4 per URL per process, saw ${maxOpen}`);
    assert.equal((byWorker as unknown as unknown[]).length ? Number((byWorker as unknown as { n: string }[])[0]!.n) : 0, 0, "the queue is empty");
  });
});
