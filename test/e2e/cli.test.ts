// The `postwire` command line as an operator meets it, spawned as a real process: help on every
// command, the version, exit codes, and the account commands' single source of passwords.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { version as appVersion } from "../../src/app/index.js";
import { verifyPassword } from "../../src/auth/index.js";
import { commands } from "../../src/cmd/commands.js";
import { openDatabase, type Database } from "../../src/db/index.js";
import { getAccountByName } from "../../src/store/index.js";
import { createTestDatabaseUrl } from "../helpers/db.js";
import { postwire } from "../helpers/serve-proc.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

describe("postwire --help, --version and exit codes", () => {
  it("postwire --help lists every command and the exit codes; exit 0", async () => {
    const r = await postwire(["--help"]);
    assert.equal(r.code, 0);
    for (const c of commands) assert.ok(r.stdout.includes(`  ${c.name} ${c.args}\n`), c.name);
    assert.match(r.stdout, /exit codes: 0 done, 1 the command failed.*\n.*2 bad command line/);
  });

  it("every command answers --help with its usage and options; exit 0, nothing run", async () => {
    for (const c of commands) {
      const r = await postwire([...c.name.split(" "), "--help"]);
      assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
      assert.ok(r.stdout.startsWith(`usage: postwire ${c.name} ${c.args}\n`), r.stdout);
      for (const o of Object.keys(c.options)) assert.match(r.stdout, new RegExp(`--${o}\\b`), `${c.name} --${o}`);
    }
    assert.match((await postwire(["dkim", "--help"])).stdout, /postwire dkim rotate DOMAIN/);
  });

  it("--version prints package.json's version, the one the server reports", async () => {
    const r = await postwire(["--version"]);
    assert.equal(r.stdout, `postwire ${pkg.version}\n`);
    assert.equal(appVersion, pkg.version);
  });

  it("bad command lines exit 2 with a pointer to help", async () => {
    for (const args of [["frobnicate"], ["serve", "--bogus"], ["serve"], ["account", "add", "x"], ["account"], ["dkim", "remove", "a.test"], ["config", "check", "a", "b"]]) {
      const r = await postwire(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^postwire: /);
      assert.match(r.stderr, /--help/);
      assert.equal(r.stdout, "");
    }
  });
});

describe("account add and account passwd", () => {
  let dir: string;
  let pg: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
  let env: Record<string, string>;
  const db = (args: string[]) => [...args, "--dir", join(dir, "data")];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "postwire-cli-"));
    pg = await createTestDatabaseUrl();
    env = pg ? { DATABASE_URL: pg.url } : {};
    writeFileSync(join(dir, "pw1"), "first-password\n");
    writeFileSync(join(dir, "pw2"), "second-password\n");
  });
  after(async () => {
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function withDb<T>(f: (d: Database) => Promise<T>): Promise<T> {
    const d = await openDatabase({ url: pg?.url, dataDir: join(dir, "data") });
    try {
      return await f(d);
    } finally {
      await d.close();
    }
  }

  it("creates an account once; a second add is refused (exit 1) and changes nothing", async () => {
    const first = await postwire(db(["account", "add", "dora", "Dora@Example.test", "--password-file", join(dir, "pw1")]), { env });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, "account dora created with dora@example.test\n");
    const again = await postwire(db(["account", "add", "dora", "dora2@example.test", "--password-file", join(dir, "pw2")]), { env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^postwire: account dora exists; nothing changed \(change its password with: postwire account passwd dora\)\n$/);
    await withDb(async (d) => {
      const acc = await getAccountByName(d.db, "dora");
      assert.ok(acc && (await verifyPassword("first-password", acc.passwordHash)), "the first password still holds");
      assert.equal(acc.passwordSource, "command");
    });
  });

  it("account passwd changes the password (from stdin too); unknown account exits 1", async () => {
    const r = await postwire(db(["account", "passwd", "dora"]), { env, input: "third-password\n" });
    assert.equal(r.code, 0, r.stderr);
    await withDb(async (d) => assert.ok(await verifyPassword("third-password", (await getAccountByName(d.db, "dora"))!.passwordHash)));
    const missing = await postwire(db(["account", "passwd", "nobody", "--password-file", join(dir, "pw1")]), { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no account nobody; create it with: postwire account add nobody ADDRESS/);
    const short = await postwire(db(["account", "passwd", "dora"]), { env, input: "short\n" });
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 8 characters/);
  });

  it("account add refuses a name the config file declares with a passwordFile", async () => {
    const cfg = join(dir, "c.yaml");
    writeFileSync(cfg, `dataDir: ${join(dir, "data")}\ndomains: [{name: example.test}]\naccounts:\n  - name: eve\n    passwordFile: ${join(dir, "pw1")}\n    addresses: [eve@example.test]\n`);
    const r = await postwire(["account", "add", "eve", "eve@example.test", "--config", cfg, "--password-file", join(dir, "pw2")], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /account eve is declared in .*c\.yaml with passwordFile .*pw1; serve creates it and sets that password/);
  });
});

describe("config check and serve on a bad file", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "postwire-cli-config-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const bad = (d: string) =>
    [
      "database: {url: 'mysql://root@db/x'}",
      "domains: [{name: example.test}]",
      "accounts:",
      "  - name: alice",
      "    adresses: [alice@example.test]",
      "    addresses: [alice@elsewhere.test, 'not an address']",
      `    passwordFile: ${join(d, "missing-password")}`,
      `    webhookSecretFile: ${join(d, "nofolder", "secret")}`,
      "    incomingWebhook: {url: 'http://127.0.0.1:9/in'}",
      "",
    ].join("\n");
  const expected = [
    "accounts.0.adresses: unknown key (did you mean accounts.0.addresses?)",
    "database.url: must be a postgres:// or postgresql:// URL, got mysql://...",
    "accounts.0.addresses.0: the domain of alice@elsewhere.test is not in domains (add elsewhere.test there)",
    'accounts.0.addresses.1: "not an address" is not an email address',
    "accounts.0.passwordFile: file",
    "accounts.0.webhookSecretFile:",
    "accounts.0.incomingWebhook.url: webhook destination 127.0.0.1 refused: 127.0.0.1 is loopback (serve refuses it",
  ];

  it("config check lists every problem with its path and exits 1", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, bad(dir));
    const r = await postwire(["config", "check", file]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, new RegExp(`^postwire: ${file}: 7 problems:\\n`));
    for (const e of expected) assert.ok(r.stderr.includes(`\n  ${e}`), `${e} in:\n${r.stderr}`);
  });

  it("serve refuses the same file before starting anything, with the same list (no bare ENOENT)", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, bad(dir));
    const r = await postwire(["serve", "--config", file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid configuration \(7 problems\)/);
    for (const e of expected) assert.ok(r.stderr.includes(e), e);
    assert.doesNotMatch(r.stderr, /^postwire: ENOENT/m);
    const missing = await postwire(["serve", "--config", join(dir, "nope.yaml")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^postwire: .*nope\.yaml: invalid configuration \(1 problem\):\n  reading config file: ENOENT: no such file or directory, open '.*nope\.yaml'\n$/);
  });

  it("config check finds nothing in the generated example but its missing certificates, and accepts a correct file (exit 0)", async () => {
    const example = new URL("../../config.example.yaml", import.meta.url).pathname;
    const r = await postwire(["config", "check", example]);
    assert.equal(r.code, 1, r.stderr);
    // The defaults enable submission (587) and submissions (465); serve needs a certificate for them.
    assert.match(r.stderr, new RegExp(`^postwire: ${example}: 2 problems:\\n  smtp\\.submissions: implicit TLS needs a certificate.*\\n  smtp\\.submission: AUTH needs TLS`));
    const pw = join(dir, "pw");
    writeFileSync(pw, "a-good-password\n");
    const good = join(dir, "good.yaml");
    writeFileSync(good, `smtp: {submission: {enabled: false}, submissions: {enabled: false}}\ndomains: [{name: example.test}]\naccounts:\n  - name: a\n    addresses: [a@example.test]\n    passwordFile: ${pw}\n    webhookSecretFile: ${join(dir, "a.whsec")}\n    incomingWebhook: {url: 'https://hooks.example.com/in'}\n`);
    assert.equal((await postwire(["config", "check", good])).code, 0);
  });
});
