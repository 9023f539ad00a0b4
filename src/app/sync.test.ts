// The config file's accounts at start: one source per password (a passwordFile is applied at
// every start and logged when it replaces another; a password set by `postwire account` is
// never touched by serve), and a webhookSecretFile that does not exist yet receives the
// account's secret, generated once in the database.
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { startTestApp, type TestApp } from "../../test/helpers/app.js";
import { hashPassword, verifyPassword } from "../auth/index.js";
import { schema } from "../db/index.js";
import { createLogger } from "../log/index.js";
import { getAccountByName, setPasswordHash } from "../store/index.js";
import { syncConfigAccounts } from "./sync.js";

describe("config accounts at start", () => {
  let app: TestApp;
  let dir = "";
  before(async () => {
    app = await startTestApp({
      beforeStart: (d) => {
        dir = d;
        writeFileSync(join(d, "alice.pw"), "alice-from-file-1\n");
        return {
          accounts: [
            { name: "alice", passwordFile: join(d, "alice.pw"), addresses: ["alice@example.test"], webhookSecretFile: join(d, "alice.whsec") },
            { name: "bob", addresses: ["bob@example.test"] },
          ],
        };
      },
    });
  });
  after(async () => app.cleanup());

  const account = async (name: string) => (await getAccountByName(app.database.db, name))!;
  async function resync(): Promise<string> {
    let out = "";
    const sink = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) });
    await syncConfigAccounts(app.database.db, app.config, app.webhooks, createLogger({ level: "info", destination: sink }));
    return out;
  }

  it("a passwordFile account is the configuration's; one without keeps no password until `account passwd`", async () => {
    const alice = await account("alice");
    assert.equal(alice.passwordSource, "config");
    assert.ok(await verifyPassword("alice-from-file-1", alice.passwordHash));
    const bob = await account("bob");
    assert.equal(bob.passwordSource, "command");
    assert.equal(bob.passwordHash, "");
  });

  it("serve never replaces a password set by the commands", async () => {
    const bob = await account("bob");
    await setPasswordHash(app.database.db, bob.id, await hashPassword("bob-by-command"), "command");
    const log = await resync();
    assert.ok(await verifyPassword("bob-by-command", (await account("bob")).passwordHash));
    assert.doesNotMatch(log, /bob/);
  });

  it("a changed passwordFile is applied at start and logged; replacing a command's password is a warning", async () => {
    assert.equal(await resync(), "", "an unchanged file changes and logs nothing");
    writeFileSync(join(dir, "alice.pw"), "alice-from-file-2\n");
    let log = await resync();
    assert.ok(await verifyPassword("alice-from-file-2", (await account("alice")).passwordHash));
    assert.match(log, /"account":"alice".*account password set from passwordFile, replacing the previous passwordFile password/);
    const alice = await account("alice");
    await setPasswordHash(app.database.db, alice.id, await hashPassword("alice-by-command"), "command");
    log = await resync();
    assert.match(log, /"level":40.*replacing a password set by `postwire account`/);
    assert.equal((await account("alice")).passwordSource, "config");
  });

  it("a missing webhookSecretFile gets the account's stored secret, owner-only, and is then read as given", async () => {
    const file = join(dir, "alice.whsec");
    const [row] = await app.database.db.select().from(schema.webhookConfigs).where(eq(schema.webhookConfigs.accountId, (await account("alice")).id));
    assert.ok(row && row.secrets.length === 1);
    const text = readFileSync(file, "utf8");
    assert.ok(text.includes(`\n${row.secrets[0]}\n`), text);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await resync();
    assert.equal(readFileSync(file, "utf8"), text, "not rewritten once it holds a secret");
  });
});
