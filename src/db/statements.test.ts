// Built-once statements run on the connection of the handle they are given: inside a
// transaction they see and are undone with it; on the database they commit by themselves.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eq, sql } from "drizzle-orm";
import { openTestDb, type TestDb } from "../../test/helpers/db.js";
import { accounts } from "./schema/store.js";
import { placeholderValue, statement } from "./statements.js";

describe("statements built once", () => {
  let t: TestDb;
  before(async () => {
    t = await openTestDb();
  });
  after(async () => t?.cleanup());

  const insertAccount = statement<{ name: string }, { id: number; name: string }[]>("test_insert_account", (d) =>
    d.insert(accounts).values({ name: sql.placeholder("name"), settings: sql`'{}'::jsonb` } as never).returning({ id: accounts.id, name: accounts.name }),
  );
  const renameAccount = statement<{ id: number; name: string }, { id: number }[]>("test_rename_account", (d) =>
    d.update(accounts).set({ name: placeholderValue<string>("name") }).where(eq(accounts.id, sql.placeholder("id"))).returning({ id: accounts.id }),
  );
  const names = async () => (await t.database.db.select({ name: accounts.name }).from(accounts)).map((r) => r.name).sort();

  it("runs inside a transaction, on its connection, and is rolled back with it", async () => {
    await assert.rejects(
      t.database.db.transaction(async (tx) => {
        const [row] = await insertAccount(tx, { name: "inside" });
        assert.equal(row!.name, "inside");
        const seen = await tx.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, row!.id));
        assert.deepEqual(seen, [{ name: "inside" }], "visible in its own transaction");
        throw new Error("roll back");
      }),
      /roll back/,
    );
    assert.ok(!(await names()).includes("inside"), "undone with the transaction");
  });

  it("runs on the database handle and fills new values on every call", async () => {
    const [a] = await insertAccount(t.database.db, { name: "one" });
    const [b] = await insertAccount(t.database.db, { name: "two" });
    assert.notEqual(a!.id, b!.id);
    assert.deepEqual(await renameAccount(t.database.db, { id: b!.id, name: "three" }), [{ id: b!.id }]);
    const now = await names();
    assert.ok(now.includes("one") && now.includes("three") && !now.includes("two"));
  });
});
