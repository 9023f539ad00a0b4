// The web interface's session key is one secret in the database: processes with different data
// dirs on one database get the same key, and the key file of an earlier version becomes it.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openTestDb, type TestDb } from "../../test/helpers/db.js";
import { uiSessionKey } from "./ui-key.js";

describe("web interface session key", () => {
  let t: TestDb;
  before(async () => (t = await openTestDb()));
  after(async () => t.cleanup());

  it("imports an earlier version's key file, then every data dir gets that same key", async () => {
    const a = join(t.dataDir, "a");
    const b = join(t.dataDir, "b");
    mkdirSync(a);
    mkdirSync(b);
    const old = randomBytes(32);
    writeFileSync(join(a, "ui-session.key"), old, { mode: 0o600 });
    const first = await uiSessionKey(t.database, a);
    assert.deepEqual(first, old, "the existing key is kept: sessions survive the upgrade");
    assert.ok(existsSync(join(a, "ui-session.key.imported")) && !existsSync(join(a, "ui-session.key")));
    const other = randomBytes(32);
    writeFileSync(join(b, "ui-session.key"), other);
    assert.deepEqual(await uiSessionKey(t.database, b), old, "a second process's own file does not replace the shared key");
    assert.deepEqual(await uiSessionKey(t.database, join(t.dataDir, "fresh")), old);
  });
});
