// How delivery talks to the next hop: DKIM signing for the From domain, opportunistic STARTTLS,
// REQUIRETLS semantics (mox-compat §1.6/§3), and MX routing through the injected resolver.
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
