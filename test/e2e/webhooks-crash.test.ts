// docs/guarantees.md E4: kill -9 during a webhook POST. The attempt was counted before the POST, so
// after a restart the same webhook (same webhook-id and X-Mox-Webhook-ID) is retried as
// attempt 2 with a fresh timestamp and a valid signature. The worker is a real child process.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import type http from "node:http";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { systemClock } from "../../src/clock/index.js";
import { openDatabase, schema, type Database } from "../../src/db/index.js";
import { createEventLog, exampleBody } from "../../src/events/index.js";
import { silentLogger } from "../../src/log/index.js";
import { ensureAccount, ensureDomain } from "../../src/store/index.js";
import { createWebhooks } from "../../src/webhooks/index.js";
import { startReceiver, type Receiver } from "../../src/webhooks/test-receiver.js";
import { openTestDb, type TestDb } from "../helpers/db.js";
import { startWorker, type WorkerProc } from "./webhooks-harness.js";

describe("kill -9 during a webhook POST (E4)", () => {
  let t: TestDb;
  let rx: Receiver;
  const held: http.ServerResponse[] = [];
  let secret = "";

  before(async () => {
    t = await openTestDb();
    // The first POST never gets an answer: the worker is killed while waiting for it.
    rx = await startReceiver((_req, res) => (rx.requests.length === 1 ? held.push(res) : res.end("ok")));
    const eventLog = await createEventLog({ database: t.database, log: silentLogger() });
    const hooks = createWebhooks({
      database: t.database,
      log: silentLogger(),
      clock: systemClock,
      eventLog,
      version: "test",
      config: { concurrencyPerUrl: 4, concurrency: 8, timeoutMs: 30_000, allowHosts: [`127.0.0.1:${rx.port}`], allowLoopback: false, timeScale: 1 },
    });
    eventLog.setAppendHook(hooks.appendHook);
    await t.database.db.transaction(async (tx) => {
      await ensureDomain(tx, { name: "crash.example" });
      const acc = await ensureAccount(tx, { name: "crash", addresses: ["crash@crash.example"] });
      secret = (await hooks.syncConfig(tx, acc.id, { incoming: { url: rx.url("/in") } })).secrets[0]!;
      await eventLog.append(tx, { accountId: acc.id, kind: "incoming", address: "crash@crash.example", payload: exampleBody("webhook-incoming-basic") });
    });
    await eventLog.close();
    // PGlite allows one process: hand the data dir over to the worker.
    if (!t.url) await t.database.close();
  });
  after(async () => {
    for (const r of held) r.destroy();
    await rx.close();
    if (t.url) await t.cleanup();
    else rmSync(t.dataDir, { recursive: true, force: true });
  });

  const until = async (check: () => boolean, what: string, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it("retries the same webhook after a restart, counted as attempt 2", async () => {
    const env = { ...(t.url ? { DATABASE_URL: t.url } : { DATA_DIR: t.dataDir }), ALLOW: `127.0.0.1:${rx.port}`, LOCK_TIMEOUT_MS: "1500", POLL_MS: "200" };
    let w: WorkerProc = await startWorker(env);
    await until(() => rx.requests.length === 1, "the first POST");
    await w.kill9();
    w = await startWorker(env);
    try {
      await until(() => rx.requests.length === 2, "the retry after the lock timeout");
    } finally {
      await w.stop();
    }
    const [first, second] = rx.requests as [typeof rx.requests[0], typeof rx.requests[0]];
    assert.equal(second.headers["webhook-id"], first.headers["webhook-id"]);
    assert.equal(second.headers["x-mox-webhook-id"], first.headers["x-mox-webhook-id"]);
    assert.deepEqual([first.headers["x-mox-webhook-attempt"], second.headers["x-mox-webhook-attempt"]], ["1", "2"]);
    assert.ok(Number(second.headers["webhook-timestamp"]) >= Number(first.headers["webhook-timestamp"]));
    assert.equal(second.body.toString(), exampleBody("webhook-incoming-basic"));
    for (const r of [first, second]) new Webhook(secret).verify(r.body.toString(), r.headers as Record<string, string>);

    const database: Database = t.url ? t.database : await openDatabase({ dataDir: t.dataDir });
    try {
      const [row] = await database.db.select().from(schema.webhooks).where(eq(schema.webhooks.id, Number(first.headers["x-mox-webhook-id"])));
      assert.equal(row!.status, "delivered");
      assert.equal(row!.attempts, 2);
      assert.deepEqual(row!.results.map((r) => [r.attempt, r.success, r.code]), [[1, false, 0], [2, true, 200]]);
      assert.match(row!.results[0]!.error, /process stopped during the attempt/);
      assert.equal((await database.db.select().from(schema.jobs)).length, 0, "the queue is empty");
    } finally {
      if (!t.url) await database.close();
    }
  });
});
