// Large values (message bodies, parsed forms, event payloads) are compressed with lz4 on a
// PostgreSQL server built with it, pglz otherwise (and always on PGlite, which has no lz4).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openTestDb, type TestDb } from "../../test/helpers/db.js";

describe("toast compression", () => {
  let t: TestDb;
  before(async () => {
    t = await openTestDb();
  });
  after(async () => {
    await t?.cleanup();
  });

  it("compresses a large body with lz4 where the server has it, else pglz", async () => {
    const sql = t.database.sql;
    const [have] = await sql`select 'lz4' = any(enumvals) as ok from pg_settings where name = 'default_toast_compression'`;
    await sql`create temporary table big (v text)`;
    // 100 KB of mail-like text lines: compressible, so it is stored compressed.
    await sql`insert into big values (repeat(repeat('x', 78) || chr(13) || chr(10), 1300))`;
    const [row] = await sql`select pg_column_compression(v) as method from big`;
    assert.equal(row?.method, have?.ok ? "lz4" : "pglz");
  });
});
