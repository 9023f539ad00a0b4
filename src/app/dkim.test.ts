// The DKIM provider of delivery reads the shared keys from the database: a key added or rotated
// by another connection (another process, `postwire dkim`) is used without a restart, by NOTIFY
// on PostgreSQL and by the cache's age on PGlite; data-dir key files are imported once.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openTestDb, type TestDb } from "../../test/helpers/db.js";
import { silentLogger } from "../log/index.js";
import { generateDkimKey } from "../mail-auth/index.js";
import { addDkimKey, listDkimKeys } from "../store/index.js";
import { createDkimProvider, importDataDirDkimKeys, type DkimProvider } from "./dkim.js";

async function waitFor<T>(what: string, f: () => Promise<T | null | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("DKIM provider on the shared key table", () => {
  let t: TestDb;
  let provider: DkimProvider;
  before(async () => {
    t = await openTestDb();
    // On PostgreSQL the cache never expires here: only the NOTIFY can make the change visible.
    provider = await createDkimProvider({ database: t.database, log: silentLogger(), ttlMs: t.database.listen ? 3_600_000 : 50 });
  });
  after(async () => {
    await provider.close();
    await t.cleanup();
  });

  it("signs nothing without a key, then with a key added through another connection, then with its rotation", async () => {
    assert.equal(await provider.key("shop.test"), null);
    const first = await generateDkimKey();
    await t.database.db.transaction((tx) => addDkimKey(tx, { domain: "Shop.Test", selector: "one", privateKeyPem: first.privateKeyPem }));
    const k1 = await waitFor("the first key", () => provider.key("shop.test"));
    assert.deepEqual(k1, { domainName: "shop.test", keySelector: "one", privateKey: first.privateKeyPem });
    const second = await generateDkimKey();
    await t.database.db.transaction((tx) => addDkimKey(tx, { domain: "shop.test", selector: "two", privateKeyPem: second.privateKeyPem }));
    await waitFor("the rotated key", async () => (await provider.key("shop.test"))?.keySelector === "two");
    assert.equal(await provider.key("sub.shop.test"), null, "no signing with a parent domain's key");
  });

  it("a key that signs later (rotate --sign-after) leaves the current one signing; ed25519 keys never sign", async () => {
    const later = await generateDkimKey();
    const ed = await generateDkimKey({ algorithm: "ed25519" });
    await t.database.db.transaction(async (tx) => {
      await addDkimKey(tx, { domain: "shop.test", selector: "three", privateKeyPem: later.privateKeyPem, signsFrom: new Date(Date.now() + 86_400_000) });
      await addDkimKey(tx, { domain: "shop.test", selector: "ed", privateKeyPem: ed.privateKeyPem });
    });
    await waitFor("the reload", async () => (await listDkimKeys(t.database.db, "shop.test")).length === 4);
    await new Promise((r) => setTimeout(r, 100)); // past the PGlite cache age
    assert.equal((await provider.key("shop.test"))?.keySelector, "two");
  });

  it("imports data-dir key files once and keeps a file whose selector holds another key", async () => {
    const a = await generateDkimKey();
    const b = await generateDkimKey();
    const folder = join(t.dataDir, "dkim", "old.test");
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "s1.key"), a.privateKeyPem, { mode: 0o600 });
    assert.equal(await importDataDirDkimKeys(t.database, t.dataDir, silentLogger()), 1);
    assert.ok(existsSync(join(folder, "s1.key.imported")) && !existsSync(join(folder, "s1.key")));
    writeFileSync(join(folder, "s1.key"), b.privateKeyPem, { mode: 0o600 });
    assert.equal(await importDataDirDkimKeys(t.database, t.dataDir, silentLogger()), 0);
    assert.ok(existsSync(join(folder, "s1.key")), "a conflicting file is left in place");
    const [stored] = await listDkimKeys(t.database.db, "old.test");
    assert.equal(stored?.privateKeyPem, a.privateKeyPem);
    assert.equal(await waitFor("the imported key", () => provider.key("old.test")).then((k) => k.keySelector), "s1");
  });
});
