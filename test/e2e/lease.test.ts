// Claimed work of a dead process comes back within seconds: two webhook worker processes on one
// PostgreSQL database. The first POST hangs on the receiver while its worker lives far past the
// lease: its heartbeat keeps the job, the other process never touches it. Then that worker is
// killed with SIGKILL and the other process takes the job over once the lease has run out,
// with the default lease of the configuration (no override), as attempt 2 of the same webhook.
import assert from "node:assert/strict";
import type http from "node:http";
import { after, before, describe, it } from "node:test";
import { systemClock } from "../../src/clock/index.js";
import { createEventLog, exampleBody } from "../../src/events/index.js";
import { silentLogger } from "../../src/log/index.js";
import { defaultLeaseMs } from "../../src/queue/index.js";
import { ensureAccount, ensureDomain } from "../../src/store/index.js";
import { createWebhooks } from "../../src/webhooks/index.js";
import { startReceiver, type Receiver } from "../../src/webhooks/test-receiver.js";
import { onPostgres, openTestDb, type TestDb } from "../helpers/db.js";
import { startWorker, type WorkerProc } from "./webhooks-harness.js";

describe("lease of claimed jobs across processes", { skip: onPostgres ? false : "two processes share PostgreSQL only (PGlite: one process per data dir)" }, () => {
  let t: TestDb;
  let rx: Receiver;
  const held: http.ServerResponse[] = [];
  const workers: WorkerProc[] = [];

  before(async () => {
    t = await openTestDb();
    rx = await startReceiver((_req, res) => (rx.requests.length === 1 ? held.push(res) : res.end("ok")));
    const eventLog = await createEventLog({ database: t.database, log: silentLogger() });
    const hooks = createWebhooks({
      database: t.database,
      log: silentLogger(),
      clock: systemClock,
      eventLog,
      version: "test",
      config: { concurrencyPerUrl: 4, concurrency: 8, timeoutMs: 120_000, allowHosts: [`127.0.0.1:${rx.port}`], allowLoopback: false, timeScale: 1 },
    });
    eventLog.setAppendHook(hooks.appendHook);
    await t.database.db.transaction(async (tx) => {
      await ensureDomain(tx, { name: "lease.example" });
      const acc = await ensureAccount(tx, { name: "lease", addresses: ["lease@lease.example"] });
      await hooks.syncConfig(tx, acc.id, { incoming: { url: rx.url("/in") } });
      await eventLog.append(tx, { accountId: acc.id, kind: "incoming", address: "lease@lease.example", payload: exampleBody("webhook-incoming-basic") });
    });
    await eventLog.close();
  });
  after(async () => {
    for (const w of workers) await w.kill9();
    for (const r of held) r.destroy();
    await rx?.close();
    await t?.cleanup();
  });

  const until = async (check: () => boolean, what: string, ms: number) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it("keeps a live worker's job past the lease and hands a killed worker's job to the other within seconds", { timeout: 180_000 }, async (t2) => {
    // Webhook timeout far above the lease: only the heartbeat keeps the hanging POST's claim.
    const env = { DATABASE_URL: t.url!, ALLOW: `127.0.0.1:${rx.port}`, TIMEOUT_MS: "120000", POLL_MS: "200" };
    const first = await startWorker(env);
    workers.push(first);
    await until(() => rx.requests.length === 1, "the first POST", 60_000);
    const second = await startWorker(env);
    workers.push(second);
    // Twice the lease with both processes alive: the POST still hangs and nothing else is sent.
    await new Promise((r) => setTimeout(r, 2 * defaultLeaseMs));
    assert.equal(rx.requests.length, 1, "a live worker's job is not taken over");
    const killedAt = Date.now();
    await first.kill9();
    await until(() => rx.requests.length === 2, "the takeover by the other process", defaultLeaseMs + 30_000);
    t2.diagnostic(`taken over ${Date.now() - killedAt} ms after the kill (lease ${defaultLeaseMs} ms)`);
    const [a, b] = rx.requests as [(typeof rx.requests)[0], (typeof rx.requests)[0]];
    assert.equal(b.headers["webhook-id"], a.headers["webhook-id"]);
    assert.deepEqual([a.headers["x-mox-webhook-attempt"], b.headers["x-mox-webhook-attempt"]], ["1", "2"]);
  });
});
