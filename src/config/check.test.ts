// The configuration checks beyond the schema's types: unknown keys with a suggestion, database
// URL schemes, addresses inside the listed domains, and the files a configuration names; all
// problems are reported together, each with its field path.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { checkConfigText, validateConfig } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "postwire-config-check-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const problems = (yaml: string) => checkConfigText(yaml).problems;

describe("config checks", () => {
  it("refuses unknown keys at any depth, naming the path and the key meant", () => {
    const p = problems("accounts:\n  - name: a\n    adresses: [a@x.test]\nsmtp:\n  mx:\n    prot: 25\nwebhooks:\n  concurency: 3\nzzz: 1\ndomains: [{name: x.test}]\n");
    assert.deepEqual(p.sort(), [
      "accounts.0.adresses: unknown key (did you mean accounts.0.addresses?)",
      "smtp.mx.prot: unknown key (did you mean smtp.mx.port?)",
      "webhooks.concurency: unknown key (did you mean webhooks.concurrency?)",
      "zzz: unknown key",
    ]);
    assert.throws(() => validateConfig({ smtp: { submision: {} } }), /smtp\.submision: unknown key \(did you mean smtp\.submission\?\)/);
  });

  it("accepts only postgres:// and postgresql:// database URLs, without echoing the URL", () => {
    assert.deepEqual(problems("database:\n  url: mysql://root:hunter2@db/x\n"), ["database.url: must be a postgres:// or postgresql:// URL, got mysql://..."]);
    assert.deepEqual(problems("database:\n  url: localhost:5432\n"), ["database.url: must be a postgres:// or postgresql:// URL, got localhost://..."]);
    assert.deepEqual(problems("database:\n  url: postgresql://u@db:5432/pw\n"), []);
    assert.deepEqual(problems("database:\n  url: postgres://u@db/pw\n"), []);
    assert.ok(!problems("database:\n  url: mysql://root:hunter2@db/x\n").join().includes("hunter2"));
  });

  it("checks every address: valid, in a listed domain, owned by one account; FromID logins among its addresses", () => {
    const p = problems(
      [
        "domains: [{name: Example.test}, {name: example.test}, {name: 'bad domain'}]",
        "accounts:",
        "  - name: a",
        "    addresses: [nope, a@other.test, A@example.test]",
        "    fromIdLoginAddresses: [z@example.test]",
        "  - name: b",
        "    addresses: [a@EXAMPLE.test]",
        "  - name: b",
        "",
      ].join("\n"),
    );
    assert.deepEqual(p, [
      "domains.1.name: example.test is listed twice",
      `domains.2.name: "bad domain" is not a valid domain (parsing address "bad domain": invalid domain)`,
      `accounts.0.addresses.0: "nope" is not an email address (parsing address "nope": missing localpart or @)`,
      "accounts.0.addresses.1: the domain of a@other.test is not in domains (add other.test there)",
      "accounts.0.fromIdLoginAddresses.0: z@example.test is not one of the account's addresses",
      "accounts.1.addresses.0: a@EXAMPLE.test also belongs to account a",
      "accounts.2.name: account b is listed twice",
    ]);
  });

  it("checks the files it names: present, readable, a password in passwordFile; a missing webhookSecretFile needs a writable folder", () => {
    const pw = join(dir, "pw");
    writeFileSync(pw, "secret-password\n");
    const empty = join(dir, "empty");
    writeFileSync(empty, "\n");
    const unreadable = join(dir, "unreadable");
    writeFileSync(unreadable, "x");
    chmodSync(unreadable, 0o000);
    mkdirSync(join(dir, "folder"), { recursive: true });
    const yaml = (o: { pw: string; secret: string; cert: string }) =>
      `domains: [{name: x.test}]\naccounts:\n  - name: a\n    addresses: [a@x.test]\n    passwordFile: '${o.pw}'\n    webhookSecretFile: '${o.secret}'\nsmtp:\n  tls:\n    certFile: '${o.cert}'\n    keyFile: ''\n`;
    assert.deepEqual(problems(yaml({ pw, secret: join(dir, "new-secret"), cert: pw })), []);
    const p = problems(yaml({ pw: empty, secret: join(dir, "no", "such", "secret"), cert: join(dir, "folder") }));
    assert.deepEqual(p, [
      `accounts.0.passwordFile: ${empty} is empty (it holds the account's password)`,
      `accounts.0.webhookSecretFile: ${join(dir, "no", "such", "secret")} does not exist and its folder ${join(dir, "no", "such")} is not writable (serve writes the generated secret there)`,
      `smtp.tls.certFile: ${join(dir, "folder")} is not a regular file`,
    ]);
    assert.deepEqual(problems(yaml({ pw: join(dir, "missing"), secret: "", cert: "" })), [`accounts.0.passwordFile: file ${join(dir, "missing")} does not exist`]);
    if (process.getuid?.() !== 0) {
      assert.deepEqual(problems(yaml({ pw: unreadable, secret: "", cert: "" })), [`accounts.0.passwordFile: cannot read ${unreadable} (EACCES)`]);
    }
  });

  it("lists schema errors, unknown keys and the other checks together", () => {
    const p = problems("smtp:\n  maxMessageSize: 10\n  mx: {prot: 1}\ndatabase: {url: 'mysql://x'}\n");
    assert.equal(p.length, 3, p.join("\n"));
    assert.match(p.join("\n"), /smtp\.maxMessageSize: .*1024[\s\S]*smtp\.mx\.prot[\s\S]*database\.url/);
  });
});
