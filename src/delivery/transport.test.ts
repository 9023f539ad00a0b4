// How delivery talks to the next hop: DKIM signing for the From domain, opportunistic STARTTLS,
// REQUIRETLS semantics (docs/contract.md §1.6/§3), and MX routing through the injected resolver.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import selfsigned from "selfsigned";
import { createStaticResolver } from "../dns/index.js";
import { dkimTxtRecord, generateDkimKey, verifyIncoming } from "../mail-auth/index.js";
import { route } from "./target.js";
import { openBase, scenario, type TestBase } from "./test-env.js";

async function localhostCert(): Promise<{ key: string; cert: string }> {
  const p = await selfsigned.generate([{ name: "commonName", value: "localhost" }], { keySize: 2048, algorithm: "sha256" });
  return { key: p.private, cert: p.cert };
}

describe("delivery transport", () => {
  let base: TestBase;
  before(async () => (base = await openBase()));
  after(async () => base.close());

  it("DKIM-signs for the From domain so the receiver verifies it", async () => {
    const key = await generateDkimKey();
    const txt = dkimTxtRecord("sel", "signer.example", key);
    const s = await scenario(base, "signer", {
      deps: { dkim: async (d) => (d === "signer.example" ? { domainName: d, keySelector: "sel", privateKey: key.privateKeyPem } : null) },
    });
    try {
      await s.send(["a@remote.example"]);
      await s.waitFor(["delivered"], 1);
      const raw = s.mx.transactions[0]!.data;
      assert.match(raw.toString(), /^DKIM-Signature: .*d=signer\.example/s);
      const v = await verifyIncoming({
        raw,
        ip: "192.0.2.1",
        helo: "mail.postwire.test",
        mailFrom: s.address,
        resolver: createStaticResolver({ [txt.name]: { TXT: [txt.value] } }),
        hostname: "mx.test",
      });
      assert.deepEqual(v.dkim.map((d) => [d.domain, d.result]), [["signer.example", "pass"]]);
    } finally {
      await s.stop();
    }
  });

  it("uses STARTTLS when offered, without verifying the certificate", async () => {
    const s = await scenario(base, "starttls", { script: { tls: await localhostCert() } });
    try {
      await s.send(["a@remote.example"]);
      await s.waitFor(["delivered"], 1);
      assert.equal(s.mx.transactions[0]!.tls, true);
    } finally {
      await s.stop();
    }
  });

  it("fails RequireTLS permanently with 554 5.7.30 when no host can honour it", async () => {
    const s = await scenario(base, "reqtls", { script: { tls: await localhostCert() } });
    const plain = await scenario(base, "reqtlsplain");
    try {
      await s.send(["a@remote.example"], { requireTls: true });
      await plain.send(["b@remote.example"], { requireTls: true });
      for (const x of [s, plain]) {
        await x.waitFor(["failed"], 1);
        const [f] = await x.payloads(["failed"]);
        assert.equal(f!.SMTPCode, 554);
        assert.equal(f!.SMTPEnhancedCode, "5.7.30");
        assert.equal(f!.Error, "destination servers do not support requiretls");
        assert.equal(x.mx.transactions.length, 0);
      }
    } finally {
      await s.stop();
      await plain.stop();
    }
  });

  it("fails an 8-bit body permanently with 5.6.3 at a server without 8BITMIME; sends it with BODY=8BITMIME where offered (A9)", async () => {
    // One scenario at a time: every scenario's runner claims from the one queue.
    const raw = (from: string) => Buffer.from(`From: <${from}>\r\nTo: <a@remote.example>\r\nSubject: plain\r\n\r\nd\u00e9j\u00e0 vu\r\n`, "utf8");
    const no8 = await scenario(base, "no8bit", { script: { hide: ["8BITMIME"] } });
    try {
      await no8.send(["a@remote.example"], { raw: raw(no8.address) });
      await no8.waitFor(["failed"], 1);
      const [f] = await no8.payloads(["failed"]);
      assert.deepEqual([f?.SMTPCode, f?.SMTPEnhancedCode], [554, "5.6.3"]);
      assert.equal(no8.mx.transactions.length, 0, "nothing sent to the server that cannot take it");
    } finally {
      await no8.stop();
    }
    const with8 = await scenario(base, "with8bit");
    try {
      await with8.send(["a@remote.example"], { raw: raw(with8.address) });
      await with8.waitFor(["delivered"], 1);
      assert.ok(with8.mx.transactions[0]!.data.includes(Buffer.from("d\u00e9j\u00e0 vu", "utf8")), "8-bit body arrives unchanged");
    } finally {
      await with8.stop();
    }
  });

  it("fails a UTF-8 header or address permanently with 5.6.7 at a server without SMTPUTF8 (A10)", async () => {
    const s = await scenario(base, "noutf8", { script: { hide: ["SMTPUTF8"] } });
    try {
      await s.send(["a@remote.example"], { raw: Buffer.from(`From: <${s.address}>\r\nTo: <a@remote.example>\r\nSubject: caf\u00e9\r\n\r\nplain\r\n`, "utf8") });
      await s.send(["j\u00f6rg@remote.example"]);
      await s.waitFor(["failed"], 2);
      const failed = await s.payloads(["failed"]);
      assert.equal(failed.length, 2);
      for (const f of failed) assert.deepEqual([f.SMTPCode, f.SMTPEnhancedCode], [553, "5.6.7"]);
      assert.equal(s.mx.transactions.length, 0);
    } finally {
      await s.stop();
    }
  });

  it("delivers RequireTLS=false (TLS-Required: No) like an ordinary message", async () => {
    const s = await scenario(base, "tlsno");
    try {
      await s.send(["a@remote.example"], { requireTls: false });
      assert.equal((await s.waitFor(["delivered"], 1)).length, 1);
    } finally {
      await s.stop();
    }
  });
});

describe("routing", () => {
  const resolver = createStaticResolver({
    "multi.example": { MX: [{ exchange: "mx2.multi.example", priority: 20 }, { exchange: "mx1.multi.example", priority: 10 }] },
    "mx1.multi.example": { A: ["192.0.2.1"], AAAA: ["2001:db8::1"] },
    "mx2.multi.example": { A: ["192.0.2.2"] },
    "plain.example": { A: ["192.0.2.3"] },
    "nomail.example": { MX: [{ exchange: "", priority: 0 }] },
    "broken.example": { fail: "servfail" },
  });

  it("orders MX hosts by preference and resolves them through the resolver", async () => {
    const r = await route("multi.example", { resolver });
    assert.deepEqual(r.hops, [
      { address: "192.0.2.1", port: 25, servername: "mx1.multi.example" },
      { address: "2001:db8::1", port: 25, servername: "mx1.multi.example" },
      { address: "192.0.2.2", port: 25, servername: "mx2.multi.example" },
    ]);
  });

  it("falls back to the domain itself without MX (implicit MX)", async () => {
    assert.deepEqual((await route("plain.example", { resolver })).hops, [{ address: "192.0.2.3", port: 25, servername: "plain.example" }]);
  });

  it("fails permanently for a null MX or a missing domain, temporarily on DNS errors", async () => {
    assert.deepEqual(await route("nomail.example", { resolver }), { hops: [], permanent: true, error: "domain nomail.example accepts no mail (null mx)" });
    assert.equal((await route("missing.example", { resolver }) as { permanent: boolean }).permanent, true);
    assert.equal((await route("broken.example", { resolver }) as { permanent: boolean }).permanent, false);
  });

  it("uses the target override instead of DNS", async () => {
    const r = await route("any.example", { resolver, target: async () => [{ host: "127.0.0.1", port: 2525 }] });
    assert.deepEqual(r.hops, [{ address: "127.0.0.1", port: 2525, servername: "127.0.0.1" }]);
  });
});
