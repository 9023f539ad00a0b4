import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { dkimSign, dkimVerify, type DNSResolver } from "mailauth";
import { createStaticResolver } from "../dns/index.js";
import { dkimPublicKey, dkimTxtRecord, generateDkimKey, MailAuthError } from "./index.js";

const message = "From: a@example.org\r\nTo: b@example.net\r\nSubject: k\r\n\r\nbody\r\n";

/** Signs with mailauth (which, unlike nodemailer, also signs ed25519) and verifies. */
async function signAndVerify(privateKeyPem: string, algorithm: string, record: { name: string; value: string }) {
  const { signatures } = await dkimSign(message, {
    signingDomain: "example.org",
    selector: "s1",
    privateKey: privateKeyPem,
    algorithm,
    signatureData: [{ signingDomain: "example.org", selector: "s1", privateKey: privateKeyPem, algorithm }],
  });
  const resolver = createStaticResolver({ [record.name]: { TXT: [record.value] } });
  const lookup = ((name: string, type: string) => resolver.resolve(name, type)) as unknown as DNSResolver;
  const result = await dkimVerify(signatures + message, { resolver: lookup });
  return result.results[0]?.status.result;
}

describe("DKIM keys", () => {
  test("RSA 2048 by default: PKCS#8 PEM and an SPKI p= value that verifies", async () => {
    const key = await generateDkimKey();
    assert.equal(key.algorithm, "rsa");
    assert.match(key.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(createPublicKey(key.privateKeyPem).asymmetricKeyDetails?.modulusLength, 2048);
    const record = dkimTxtRecord("S1", "Example.ORG", key);
    assert.equal(record.name, "s1._domainkey.example.org");
    assert.equal(record.value, `v=DKIM1; k=rsa; p=${key.publicKeyDnsValue}`);
    assert.equal(await signAndVerify(key.privateKeyPem, "rsa-sha256", record), "pass");
  });

  test("Ed25519 (RFC 8463): p= is the bare 32-byte key", async () => {
    const key = await generateDkimKey({ algorithm: "ed25519" });
    assert.equal(Buffer.from(key.publicKeyDnsValue, "base64").length, 32);
    const record = dkimTxtRecord("s1", "example.org", key);
    assert.match(record.value, /^v=DKIM1; k=ed25519; p=/);
    assert.equal(await signAndVerify(key.privateKeyPem, "ed25519-sha256", record), "pass");
  });

  test("derives the public key from a stored PEM, PKCS#1 included", async () => {
    const key = await generateDkimKey({ bits: 1024 });
    assert.deepEqual(dkimPublicKey(key.privateKeyPem), { algorithm: "rsa", publicKeyDnsValue: key.publicKeyDnsValue });
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const pkcs1 = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    assert.equal(dkimPublicKey(pkcs1).algorithm, "rsa");
  });

  test("rejects bad options, keys and names with stable codes", async () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        assert.ok(err instanceof MailAuthError);
        return err.code;
      }
      return "no error";
    };
    await assert.rejects(generateDkimKey({ bits: 512 }), { code: "INVALID_OPTIONS" });
    await assert.rejects(generateDkimKey({ algorithm: "dsa" as "rsa" }), { code: "INVALID_OPTIONS" });
    assert.equal(code(() => dkimPublicKey("not a pem")), "DKIM_KEY_INVALID");
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    assert.equal(code(() => dkimPublicKey(ec)), "DKIM_KEY_INVALID");
    const pub = { algorithm: "rsa" as const, publicKeyDnsValue: "AAAA" };
    assert.equal(code(() => dkimTxtRecord("../x", "example.org", pub)), "INVALID_SELECTOR");
    assert.equal(code(() => dkimTxtRecord("s", "exa mple.org", pub)), "INVALID_DOMAIN");
    assert.equal(code(() => dkimTxtRecord("s", "example.org", { ...pub, publicKeyDnsValue: "x; p=evil" })), "DKIM_KEY_INVALID");
  });
});
