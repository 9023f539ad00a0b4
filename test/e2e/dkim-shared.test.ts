// DKIM keys live in the database (issue 13): two `serve` processes on one PostgreSQL database
// sign with the same key, the key file of an earlier version's data dir is imported on start,
// and `postwire dkim rotate` reaches a running process without a restart. The delivered mail is
// checked with mailauth's dkimVerify against the published records through an offline resolver.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dkimVerify, type DNSResolver } from "mailauth";
import { startTestMx, type TestMx } from "../../src/delivery/test-mx.js";
import { createStaticResolver } from "../../src/dns/index.js";
import { dkimTxtRecord, generateDkimKey, type DkimKeyPair } from "../../src/mail-auth/index.js";
import { createTestDatabaseUrl, onPostgres } from "../helpers/db.js";
import { postwire, startServe, type ServeProc } from "../helpers/serve-proc.js";

const password = "shared-dkim-password";

/** The TXT record text a `postwire dkim` command printed for `name` (its strings joined). */
function printedRecord(stdout: string, name: string): string {
  const line = stdout.split("\n").find((l) => l.startsWith(`${name}.`));
  assert.ok(line, `record ${name} printed:\n${stdout}`);
  const start = stdout.indexOf(line);
  const block = stdout.slice(start, stdout.indexOf(")", start) + 1);
  return [...block.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join("");
}

describe("DKIM keys shared through PostgreSQL", { skip: !onPostgres && "needs TEST_DATABASE_URL (two processes on one database)" }, () => {
  let dir: string;
  let pg: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
  let mx: TestMx;
  let legacy: DkimKeyPair;
  const procs: ServeProc[] = [];
  const records = new Map<string, string>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "postwire-dkim-shared-"));
    pg = await createTestDatabaseUrl();
    mx = await startTestMx();
    writeFileSync(join(dir, "password"), password);
    // An install of an earlier version: its key file in the first process's data dir.
    legacy = await generateDkimKey();
    mkdirSync(join(dir, "a", "dkim", "example.test"), { recursive: true });
    writeFileSync(join(dir, "a", "dkim", "example.test", "legacy.key"), legacy.privateKeyPem, { mode: 0o600 });
    const legacyRecord = dkimTxtRecord("legacy", "example.test", legacy);
    records.set(legacyRecord.name, legacyRecord.value);
    const config = (dataDir: string) => ({
      hostname: "mx.example.test",
      dataDir: join(dir, dataDir),
      log: { level: "info" },
      database: { url: pg!.url, poolSize: 3 },
      delivery: { smarthost: `127.0.0.1:${mx.port}` },
      queue: { timeScale: 1000 },
      domains: [{ name: "example.test" }],
      accounts: [{ name: "alice", passwordFile: join(dir, "password"), addresses: ["alice@example.test"] }],
    });
    procs.push(await startServe(dir, "a", config("a")));
    procs.push(await startServe(dir, "b", config("b")));
  });
  after(async () => {
    for (const p of procs) await p.stop();
    await mx?.close();
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends through `proc`'s webapi and returns the message as the smarthost received it. */
  async function sendVia(proc: ServeProc, marker: string): Promise<string> {
    const r = await fetch(`http://127.0.0.1:${proc.ports.http}/webapi/v0/Send`, {
      method: "POST",
      headers: { authorization: "Basic " + Buffer.from(`alice@example.test:${password}`).toString("base64"), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: JSON.stringify({ To: [{ Address: "rcpt@remote.test" }], Subject: marker, Text: `hello ${marker}\n` }) }),
    });
    assert.equal(r.status, 200, await r.text());
    const deadline = Date.now() + 30_000;
    for (;;) {
      const t = mx.transactions.find((x) => x.data.includes(marker));
      if (t) return t.data.toString("latin1");
      if (Date.now() > deadline) assert.fail(`${marker} not delivered:\n${proc.output()}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  async function verify(raw: string): Promise<{ result: string; selector: string }[]> {
    const resolver = createStaticResolver(Object.fromEntries([...records].map(([name, value]) => [name, { TXT: [value] }])));
    const lookup = ((name: string, type: string) => resolver.resolve(name, type)) as unknown as DNSResolver;
    const r = await dkimVerify(raw, { resolver: lookup });
    return r.results.map((x) => ({ result: x.status.result, selector: (x as { selector?: string }).selector ?? "" }));
  }

  it("imports the data-dir key file of the first process once, keeping the file as a backup", () => {
    assert.ok(existsSync(join(dir, "a", "dkim", "example.test", "legacy.key.imported")));
    assert.ok(!existsSync(join(dir, "a", "dkim", "example.test", "legacy.key")));
    assert.match(procs[0]!.output(), /dkim key file imported into the database/);
  });

  it("the second process, which has no key file, signs with the shared key; the signature verifies", async () => {
    const raw = await sendVia(procs[1]!, "shared-b-1");
    assert.deepEqual(await verify(raw), [{ result: "pass", selector: "legacy" }]);
    assert.doesNotMatch(procs[1]!.output(), /no dkim key for domain/);
    assert.deepEqual(await verify(await sendVia(procs[0]!, "shared-a-1")), [{ result: "pass", selector: "legacy" }]);
  });

  it("dkim rotate: both running processes sign with the new selector, no restart; the old key stays listed", async () => {
    const env = { DATABASE_URL: pg!.url };
    const rotated = await postwire(["dkim", "rotate", "example.test", "--selector", "fresh", "--dir", join(dir, "cli")], { env });
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /keep the records of legacy published/);
    records.set("fresh._domainkey.example.test", printedRecord(rotated.stdout, "fresh._domainkey.example.test"));
    for (const [i, p] of procs.entries()) {
      assert.deepEqual(await verify(await sendVia(p, `rotated-${i}`)), [{ result: "pass", selector: "fresh" }], `process ${i}`);
    }
    const list = await postwire(["dkim", "list", "example.test"], { env });
    assert.match(list.stdout, /example\.test fresh rsa .*: signing/);
    assert.match(list.stdout, /example\.test legacy rsa .*: previous/);
    // With the old record no longer published, the new signatures still verify; an old one no longer would.
    records.delete("legacy._domainkey.example.test");
    assert.deepEqual(await verify(await sendVia(procs[1]!, "rotated-late")), [{ result: "pass", selector: "fresh" }]);
  });

  it("refuses a second genkey for a domain with a key, and removing the signing key", async () => {
    const env = { DATABASE_URL: pg!.url };
    const again = await postwire(["dkim", "genkey", "example.test"], { env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already has DKIM key\(s\) \(fresh, legacy\); change keys with: postwire dkim rotate example\.test/);
    const rm = await postwire(["dkim", "remove", "example.test", "fresh"], { env });
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /signing now/);
    const ok = await postwire(["dkim", "remove", "example.test", "legacy"], { env });
    assert.equal(ok.code, 0, ok.stderr);
  });
});
