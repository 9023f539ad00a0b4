import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { createStaticResolver } from "../dns/index.js";
import {
  dkimKeyPath,
  dkimTxtRecord,
  generateDkimKey,
  loadDkimKey,
  loadDkimKeys,
  saveDkimKey,
  verifyIncoming,
  type DkimKeyPair,
} from "./index.js";

let dir: string;
let rsa: DkimKeyPair;
let ed: DkimKeyPair;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "postwire-dkim-"));
  [rsa, ed] = await Promise.all([generateDkimKey({ bits: 1024 }), generateDkimKey({ algorithm: "ed25519" })]);
});
after(() => rm(dir, { recursive: true, force: true }));

describe("DKIM key files", () => {
  test("saves to <dir>/<domain>/<selector>.key with 0600 and folder 0700", async () => {
    const path = await saveDkimKey(dir, "Bücher.Example", "Mail2024", rsa.privateKeyPem);
    assert.equal(path, join(dir, "xn--bcher-kva.example", "mail2024.key"));
    assert.equal(path, dkimKeyPath(dir, "bücher.example", "mail2024"));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, "xn--bcher-kva.example"))).mode & 0o777, 0o700);
    const loaded = await loadDkimKey(dir, "bücher.example", "mail2024");
    assert.equal(loaded.privateKeyPem, rsa.privateKeyPem);
    assert.equal(loaded.publicKeyDnsValue, rsa.publicKeyDnsValue);
    assert.equal(loaded.insecurePermissions, false);
    assert.deepEqual(await readdir(join(dir, "xn--bcher-kva.example")), ["mail2024.key"], "no temp files left");
  });

  test("refuses to replace a key unless asked, and never stores garbage", async () => {
    await saveDkimKey(dir, "keep.example", "s", rsa.privateKeyPem);
    await assert.rejects(saveDkimKey(dir, "keep.example", "s", ed.privateKeyPem), { code: "DKIM_KEY_EXISTS" });
    assert.equal((await loadDkimKey(dir, "keep.example", "s")).algorithm, "rsa");
    await saveDkimKey(dir, "keep.example", "s", ed.privateKeyPem, { overwrite: true });
    assert.equal((await loadDkimKey(dir, "keep.example", "s")).algorithm, "ed25519");
    await assert.rejects(saveDkimKey(dir, "keep.example", "t", "garbage"), { code: "DKIM_KEY_INVALID" });
    await assert.rejects(saveDkimKey(dir, "..", "s", rsa.privateKeyPem), { code: "INVALID_DOMAIN" });
    await assert.rejects(saveDkimKey(dir, "keep.example", "../../etc/x", rsa.privateKeyPem), { code: "INVALID_SELECTOR" });
  });

  test("two concurrent saves of the same key: exactly one wins", async () => {
    const results = await Promise.allSettled([
      saveDkimKey(dir, "race.example", "s", rsa.privateKeyPem),
      saveDkimKey(dir, "race.example", "s", ed.privateKeyPem),
    ]);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  });

  test("loads all keys, skipping foreign files, and flags loose permissions", async () => {
    const sub = await mkdtemp(join(tmpdir(), "postwire-dkim-all-"));
    try {
      await saveDkimKey(sub, "b.example", "s2", rsa.privateKeyPem);
      await saveDkimKey(sub, "b.example", "s1", ed.privateKeyPem);
      const loose = await saveDkimKey(sub, "a.example", "s", rsa.privateKeyPem);
      await chmod(loose, 0o644);
      await writeFile(join(sub, "b.example", "README.txt"), "not a key");
      await mkdir(join(sub, "not a domain"));
      const keys = await loadDkimKeys(sub);
      assert.deepEqual(keys.map((k) => `${k.domain}/${k.selector}/${k.algorithm}`), ["a.example/s/rsa", "b.example/s1/ed25519", "b.example/s2/rsa"]);
      assert.equal(keys[0]?.insecurePermissions, true);
      assert.deepEqual(await loadDkimKeys(join(sub, "missing")), []);
      await assert.rejects(loadDkimKey(sub, "c.example", "s"), { code: "DKIM_KEY_NOT_FOUND" });

    } finally {
      await rm(sub, { recursive: true, force: true });
    }
  });

  test("mail signed with a stored key verifies against the printed record", async () => {
    const sub = await mkdtemp(join(tmpdir(), "postwire-dkim-sign-"));
    try {
      await saveDkimKey(sub, "shop.example", "pw1", rsa.privateKeyPem);
      const keys = await loadDkimKeys(sub);
      const dkim = { domainName: "shop.example", keySelector: "pw1", privateKey: keys[0]!.privateKeyPem };
      const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, dkim });
      const info = await transport.sendMail({ from: "orders@shop.example", to: "c@example.net", subject: "order", text: "thanks\n" });
      const record = dkimTxtRecord("pw1", "shop.example", keys[0]!);
      const r = await verifyIncoming({
        raw: info.message as Buffer,
        ip: "192.0.2.1",
        helo: "mail.shop.example",
        mailFrom: "orders@shop.example",
        resolver: createStaticResolver({ [record.name]: { TXT: [record.value] } }),
        hostname: "mx.example.net",
      });
      assert.deepEqual(r.dkimVerifiedDomains, ["shop.example"]);
      assert.equal(r.msgFromValidated, true);
    } finally {
      await rm(sub, { recursive: true, force: true });
    }
  });
});
