// Two delivery runners (on PostgreSQL: two separate connection pools, as two processes would
// have) drain 1,000 messages into one fake MX: every recipient exactly once, one delivered
// event each. On PGlite (one connection, transactions serialized) 200 keep the suite quick.
// Also reports throughput (the fake MX delays every greeting by 100 ms, see smtp-server).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { onPostgres } from "../../test/helpers/db.js";
import { systemClock } from "../clock/index.js";
import { openDatabase, type Database } from "../db/index.js";
import { createStaticResolver } from "../dns/index.js";
import { createEventLog } from "../events/index.js";
import { silentLogger } from "../log/index.js";
import { createDelivery, type Delivery } from "./index.js";
import { openBase, scenario, type TestBase } from "./test-env.js";

const total = Number(process.env.DELIVERY_RUNNERS_TOTAL ?? (onPostgres ? 1000 : 200));

describe("two delivery runners", () => {
  let base: TestBase;
  let second: Database | null = null;
  before(async () => (base = await openBase()));
  after(async () => {
    await second?.close();
    await base.close();
  });

  it(`deliver ${total} messages with zero duplicates`, async () => {
    const s = await scenario(base, "pair", { start: false, deps: { concurrency: 8 } });
    second = onPostgres ? await openDatabase({ url: base.t.url!, dataDir: base.t.dataDir, poolSize: 5, migrate: false }) : null;
    const db2 = second ?? base.database;
    const other: Delivery = createDelivery({
      database: db2,
      log: silentLogger(),
      clock: systemClock,
      eventLog: await createEventLog({ database: db2, log: silentLogger() }),
      resolver: createStaticResolver({}),
      hostname: "mail2.postwire.test",
      timeScale: 100_000,
      concurrency: 8,
      target: async () => [{ host: "127.0.0.1", port: s.mx.port }],
    });
    try {
      const batch = 100;
      for (let i = 0; i < total; i += batch) {
        await base.database.db.transaction(async (tx) => {
          for (let k = i; k < Math.min(total, i + batch); k++) {
            await s.delivery.submit(tx, {
              accountId: s.accountId,
              loginAddress: s.address,
              from: s.address,
              recipients: [`r${k}@remote.example`],
              raw: Buffer.from(`From: <${s.address}>\r\nSubject: m${k}\r\n\r\nbody ${k}\r\n`),
              messageId: `<m${k}@pair.example>`,
              subject: `m${k}`,
              extra: {},
              requireTls: null,
              futureRelease: null,
              source: "webapi",
            });
          }
        });
      }
      const t0 = Date.now();
      await Promise.all([s.delivery.start(), other.start()]);
      const done = await s.waitFor(["delivered"], total, 240_000);
      const secs = (Date.now() - t0) / 1000;
      console.log(`# ${total} messages delivered by two runners in ${secs.toFixed(1)} s (${(total / secs).toFixed(0)} msg/s, ${onPostgres ? "postgres" : "pglite"})`);
      assert.equal(done.length, total);
      const seen = new Map<string, number>();
      for (const t of s.mx.transactions) for (const r of t.rcptTo) seen.set(r, (seen.get(r) ?? 0) + 1);
      assert.equal(seen.size, total, "every recipient reached");
      assert.deepEqual([...seen.values()].filter((n) => n !== 1), [], "no duplicates");
      assert.equal(new Set(done.map((e) => e.queueMsgId)).size, total, "one delivered event per message");
    } finally {
      await Promise.all([s.delivery.stop(), other.stop()]);
      await s.mx.close();
    }
  });
});
