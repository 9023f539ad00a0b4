// docs/guarantees.md E5: kill -9 during outbound delivery, after the MX's 250 and before the
// outcome committed. After restart the recipient is delivered again (at most one duplicate),
// one `delivered` event is recorded, and no DSN goes out for it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createTestDatabaseUrl } from "../../test/helpers/db.js";
import { openDatabase, type Database } from "../db/index.js";
import { createStaticResolver } from "../dns/index.js";
import { createEventLog, startCursor } from "../events/index.js";
import { silentLogger } from "../log/index.js";
import { ensureAccount, ensureDomain, listMessages } from "../store/index.js";
import { createDelivery } from "./index.js";
import { message } from "./test-env.js";
import { startTestMx, type TestMx } from "./test-mx.js";

const child = new URL("./test-crash-child.ts", import.meta.url).pathname;

describe("crash during delivery (E5)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "postwire-crash-"));
  let pg: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
  let mx: TestMx;
  before(async () => {
    pg = await createTestDatabaseUrl();
    mx = await startTestMx();
  });
  after(async () => {
    await mx.close();
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const open = (): Promise<Database> => openDatabase({ url: pg?.url, dataDir, poolSize: 3 });

  it("redelivers once after a kill -9 between the 250 and the commit, with no DSN", async () => {
    let db = await open();
    const { accountId, queueMsgId } = await db.db.transaction(async (tx) => {
      await ensureDomain(tx, { name: "crash.example" });
      const acc = await ensureAccount(tx, { name: "crash", addresses: ["crash@crash.example"] });
      const eventLog = await createEventLog({ database: db, log: silentLogger() });
      const d = createDelivery(deps(db, eventLog, mx.port));
      const [s] = await d.submit(tx, {
        accountId: acc.id, loginAddress: "crash@crash.example", from: "crash@crash.example", recipients: ["victim@remote.example"],
        raw: message("crash@crash.example", ["victim@remote.example"], "crash"), messageId: "<crash@crash.example>", subject: "crash",
        extra: {}, requireTls: null, futureRelease: null, source: "webapi",
      });
      return { accountId: acc.id, queueMsgId: s!.queueMsgId };
    });
    await db.close(); // PGlite: one process per data dir

    const proc = spawn(process.execPath, ["--import", "tsx", child], {
      env: { ...process.env, DB_URL: pg?.url ?? "", DATA_DIR: dataDir, MX_PORT: String(mx.port) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    for (let i = 0; i < 600 && !(out.includes("stalled") && mx.transactions.length > 0); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(mx.transactions.length, 1, "the MX answered 250 once");
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGKILL");
    await exited;

    // Restart 11 minutes "later": the dead worker's lock is stale (timeout 10 min).
    db = await open();
    const eventLog = await createEventLog({ database: db, log: silentLogger() });
    const later = { now: () => Date.now() + 11 * 60_000 };
    const d = createDelivery({ ...deps(db, eventLog, mx.port), clock: later });
    await d.start();
    try {
      let delivered: unknown[] = [];
      for (let i = 0; i < 400 && delivered.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        delivered = await eventLog.read({ accountId, after: startCursor, kinds: ["delivered"] });
      }
      assert.equal(delivered.length, 1, "one delivered event");
      assert.equal(mx.transactions.length, 2, "at most one duplicate at the MX");
      const [row] = await d.admin.list({ ids: [queueMsgId] });
      assert.deepEqual([row!.status, row!.attempts], ["delivered", 2]);
      assert.deepEqual(await listMessages(db.db, { accountId, limit: 10 }), [], "no DSN for a delivered recipient");
    } finally {
      await d.stop();
      await eventLog.close();
      await db.close();
    }
  });
});

function deps(database: Database, eventLog: Awaited<ReturnType<typeof createEventLog>>, port: number) {
  return {
    database,
    log: silentLogger(),
    clock: { now: () => Date.now() },
    eventLog,
    resolver: createStaticResolver({}),
    hostname: "crash.postwire.test",
    timeScale: 100_000,
    concurrency: 2,
    target: async () => [{ host: "127.0.0.1", port }],
  };
}
