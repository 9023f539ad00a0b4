// Group commit on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): concurrent works
// share one transaction, every caller hears only after the COMMIT, a work's own error fails only
// that work, and a statement budget overrun fails the whole batch with nothing committed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "drizzle-orm";
import net from "node:net";
import { createTestDatabaseUrl, onPostgres, openTestDb, type TestDb } from "../../test/helpers/db.js";
import { openDatabase } from "./open.js";
import { sqlState } from "./errors.js";
import { createGroupCommit } from "./group-commit.js";
import type { Tx } from "./open.js";

describe("group commit", () => {
  let t: TestDb;
  before(async () => {
    t = await openTestDb();
    await t.database.db.execute(sql`create table gc_probe (k text primary key, v int not null check (v >= 0))`);
  });
  after(async () => t?.cleanup());

  const txid = async (tx: Tx) => String(((await tx.execute(sql`select txid_current()::text as x`)) as unknown as { x: string }[])[0]!.x);
  const insert = (tx: Tx, k: string, v: number) => tx.execute(sql`insert into gc_probe (k, v) values (${k}, ${v})`);
  const count = async (prefix: string) =>
    Number(((await t.database.db.execute(sql`select count(*)::int as n from gc_probe where k like ${prefix + "%"}`)) as unknown as { n: number }[])[0]!.n);

  it("runs concurrent works in one transaction and resolves each after the commit", async () => {
    const gc = createGroupCommit(t.database.db, { statementTimeoutMs: 10_000, maxInFlight: 1 });
    const first = gc.run(async (tx) => {
      await insert(tx, "a-0", 0);
      return txid(tx);
    });
    // Submitted while the first batch is committing: they form the next batch together.
    const rest = Array.from({ length: 8 }, (_, i) =>
      gc.run(async (tx) => {
        await insert(tx, `a-${i + 1}`, i + 1);
        return txid(tx);
      }),
    );
    const ids = await Promise.all([first, ...rest]);
    assert.equal(new Set(ids.slice(1)).size, 1, "the eight later works shared one transaction");
    assert.notEqual(ids[0], ids[1]);
    assert.equal(await count("a-"), 9, "every work's row is visible once its promise resolved");
  });

  it("fails only the work whose own statement failed; the others commit", async () => {
    const gc = createGroupCommit(t.database.db, { statementTimeoutMs: 10_000, maxInFlight: 1 });
    const blocker = gc.run(async (tx) => insert(tx, "b-blocker", 1));
    const works = [
      gc.run(async (tx) => insert(tx, "b-1", 1)),
      gc.run(async (tx) => insert(tx, "b-bad", -1)), // check violation: 23514
      gc.run(async (tx) => insert(tx, "b-2", 2)),
      gc.run(async () => {
        throw new TypeError("a bug in the work's own code");
      }),
      gc.run(async (tx) => insert(tx, "b-3", 3)),
      gc.run(async (tx) => {
        await insert(tx, "b-refused", 4);
        throw Object.assign(new Error("the work's own refusal"), { code: "fromIdTaken" });
      }),
    ];
    await blocker;
    const out = await Promise.allSettled(works);
    assert.deepEqual(out.map((o) => o.status), ["fulfilled", "rejected", "fulfilled", "rejected", "fulfilled", "rejected"]);
    assert.equal(sqlState((out[1] as PromiseRejectedResult).reason), "23514");
    assert.ok((out[3] as PromiseRejectedResult).reason instanceof TypeError);
    assert.equal(await count("b-"), 4, "blocker, b-1, b-2, b-3 committed; b-bad did not");
  });

  // PGlite runs single-threaded in WASM and has no statement_timeout timer.
  it("fails every work of a batch that exceeds the statement budget, and commits none of them", { skip: !onPostgres && "PostgreSQL only" }, async () => {
    const gc = createGroupCommit(t.database.db, { statementTimeoutMs: 300, maxInFlight: 1 });
    const blocker = gc.run(async (tx) => insert(tx, "c-blocker", 1));
    const works = [
      gc.run(async (tx) => insert(tx, "c-1", 1)),
      gc.run(async (tx) => {
        await insert(tx, "c-2", 2);
        await tx.execute(sql`select pg_sleep(2)`);
      }),
      gc.run(async (tx) => insert(tx, "c-3", 3)),
    ];
    await blocker;
    const out = await Promise.allSettled(works);
    assert.deepEqual(out.map((o) => o.status), ["rejected", "rejected", "rejected"]);
    for (const o of out) assert.equal(sqlState((o as PromiseRejectedResult).reason), "57014", "statement timeout");
    assert.equal(await count("c-"), 1, "only the blocker's batch committed");
  });

  // A COMMIT that reached the database whose answer was lost with the connection (PostgreSQL
  // restarting, a proxy dying): the callers must hear "committed", not a failure they would
  // retry into a duplicate. A proxy forwards the COMMIT, then cuts both sides before the answer.
  it("asks the database when the connection dies during COMMIT: committed means success", { skip: !onPostgres && "PostgreSQL only" }, async () => {
    const pg = (await createTestDatabaseUrl())!;
    const direct = await openDatabase({ url: pg.url, dataDir: t.dataDir, poolSize: 1 });
    const proxy = await commitCuttingProxy(new URL(pg.url));
    const viaProxy = await openDatabase({ url: proxy.url, dataDir: t.dataDir, poolSize: 1, migrate: false });
    try {
      await direct.db.execute(sql`create table gc_cut (k text primary key)`);
      const gc = createGroupCommit(viaProxy.db, { statementTimeoutMs: 5_000 });
      proxy.arm("commit");
      const r = await gc.run(async (tx) => {
        await tx.execute(sql`insert into gc_cut (k) values ('kept')`);
        return "done";
      });
      assert.equal(proxy.cuts(), 1, "the connection died after forwarding the COMMIT");
      assert.equal(r, "done");
      const rows = (await direct.db.execute(sql`select k from gc_cut`)) as unknown as { k: string }[];
      assert.deepEqual(rows.map((x) => x.k), ["kept"]);
      // Cut before the COMMIT is forwarded: it never happened, and the caller hears the failure.
      proxy.arm("gc_cut", { forward: false });
      await assert.rejects(gc.run(async (tx) => tx.execute(sql`insert into gc_cut (k) values ('lost')`)));
      const after = (await direct.db.execute(sql`select k from gc_cut`)) as unknown as { k: string }[];
      assert.deepEqual(after.map((x) => x.k), ["kept"]);
    } finally {
      await viaProxy.close();
      await direct.close();
      await proxy.close();
      await pg.drop();
    }
  });
});

/**
 * A loopback TCP proxy to PostgreSQL that, once armed with a marker, cuts the first client
 * connection whose bytes contain it: after forwarding them (and giving the server time to act on
 * them, its answer dropped), or without forwarding them.
 */
async function commitCuttingProxy(target: URL) {
  let armed: { needle: Buffer; forward: boolean } | null = null;
  let cuts = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    let muted = false;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (b: Buffer) => {
      if (armed && b.includes(armed.needle)) {
        const { forward } = armed;
        armed = null;
        cuts++;
        if (!forward) return cut();
        muted = true;
        upstream.write(b);
        setTimeout(cut, 300);
        return;
      }
      upstream.write(b);
    });
    upstream.on("data", (b: Buffer) => void (muted || client.write(b)));
    client.on("error", cut).on("close", cut);
    upstream.on("error", cut).on("close", cut);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    arm: (marker: string, o: { forward?: boolean } = {}) => void (armed = { needle: Buffer.from(marker), forward: o.forward ?? true }),
    cuts: () => cuts,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
