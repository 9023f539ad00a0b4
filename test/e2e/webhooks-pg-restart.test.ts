// A webhook whose POST is answered while PostgreSQL is down (stopped, then started again, on a
// throwaway cluster): the process records the real result once the server is back instead of
// leaving the "process stopped during the attempt" placeholder, and the webhook ends delivered
// with its job gone (before, the runner rescheduled the job alone and the webhook's next attempt
// time disagreed with it). PostgreSQL pass only; skipped where no cluster can be made.
import assert from "node:assert/strict";
import type http from "node:http";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { pino } from "pino";
import { systemClock } from "../../src/clock/index.js";
import { openDatabase, schema, type Database } from "../../src/db/index.js";
import { createEventLog, exampleBody, type EventLog } from "../../src/events/index.js";
import { ensureAccount, ensureDomain } from "../../src/store/index.js";
import { createWebhooks, type Webhooks } from "../../src/webhooks/index.js";
import { startReceiver, type Receiver } from "../../src/webhooks/test-receiver.js";
import { onPostgres } from "../helpers/db.js";
import { canMakeCluster, startPgCluster, type PgCluster } from "../torture/harness/pg-cluster.js";

const skip = !onPostgres ? "PostgreSQL pass only (TEST_DATABASE_URL)" : canMakeCluster() ? false : "cannot make a throwaway PostgreSQL cluster here";

describe("webhook result recorded across a PostgreSQL restart", { skip }, () => {
  let cluster: PgCluster;
  let database: Database;
  let eventLog: EventLog;
  let hooks: Webhooks;
  let rx: Receiver;
  const held: http.ServerResponse[] = [];
  const lines: string[] = [];

  before(async () => {
    cluster = await startPgCluster();
    const url = await cluster.createDatabase("hookrestart");
    database = await openDatabase({ url, dataDir: "", poolSize: 4 });
    rx = await startReceiver((_req, res) => held.push(res));
    const log = pino({ level: "warn" }, { write: (s: string) => void lines.push(s) });
    eventLog = await createEventLog({ database, log });
    hooks = createWebhooks({
      database,
      log,
      clock: systemClock,
      eventLog,
      version: "test",
      config: { concurrencyPerUrl: 4, concurrency: 8, timeoutMs: 60_000, allowHosts: [`127.0.0.1:${rx.port}`], allowLoopback: false, timeScale: 1, pollMs: 200 },
    });
    eventLog.setAppendHook(hooks.appendHook);
    await database.db.transaction(async (tx) => {
      await ensureDomain(tx, { name: "restart.example" });
      const acc = await ensureAccount(tx, { name: "restart", addresses: ["restart@restart.example"] });
      await hooks.syncConfig(tx, acc.id, { incoming: { url: rx.url("/in") } });
      await eventLog.append(tx, { accountId: acc.id, kind: "incoming", address: "restart@restart.example", payload: exampleBody("webhook-incoming-basic") });
    });
    await hooks.start();
  });
  after(async () => {
    await hooks?.stop({ deadline: performance.now() + 5000 });
    await eventLog?.close();
    await database?.close();
    for (const r of held) r.destroy();
    await rx?.close();
    cluster?.destroy();
  });

  const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 60_000) => {
    for (const end = Date.now() + ms; !(await cond()); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
  };

  it("records the answer once the server is back, and nothing disagrees", { timeout: 120_000 }, async () => {
    await until("the POST", () => held.length === 1);
    cluster.stopImmediate();
    held[0]!.end("ok"); // answered while the database is gone
    await until("a failed record to be retried", () => lines.some((l) => l.includes("recording a webhook attempt failed, retrying")), 20_000).catch((err: unknown) => assert.fail(`${String(err)}\n${lines.join("")}`));
    cluster.start();
    await until("the webhook recorded", async () => {
      const [row] = await database.db.select().from(schema.webhooks).where(eq(schema.webhooks.kind, "incoming"));
      return row?.status === "delivered";
    });
    const [row] = await database.db.select().from(schema.webhooks).where(eq(schema.webhooks.kind, "incoming"));
    assert.deepEqual(row!.results.map((r) => [r.attempt, r.success, r.code, r.error]), [[1, true, 200, ""]]);
    assert.equal(row!.attempts, 1);
    assert.equal(row!.nextAttemptAt, null);
    assert.equal((await database.db.select().from(schema.jobs)).length, 0, "its job is done");
    assert.equal(rx.requests.length, 1, "sent once");
  });
});
