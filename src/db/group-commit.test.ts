// Group commit on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): concurrent works
// share one transaction, every caller hears only after the COMMIT, a work's own error fails only
// that work, and a statement budget overrun fails the whole batch with nothing committed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "drizzle-orm";
import { onPostgres, openTestDb, type TestDb } from "../../test/helpers/db.js";
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
});
