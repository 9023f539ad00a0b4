import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createStaticResolver, DnsError, lookupMx } from "./index.js";

const stable = { random: () => 0 };

describe("lookupMx", () => {
  test("sorts explicit MX hosts by preference and normalizes names", async () => {
    const r = createStaticResolver({
      "example.org": {
        MX: [
          { exchange: "Backup.Example.org.", priority: 20 },
          { exchange: "mx1.example.org", priority: 10 },
        ],
      },
    });
    assert.deepEqual(await lookupMx(r, "EXAMPLE.org", stable), {
      kind: "mx",
      hosts: [
        { host: "mx1.example.org", priority: 10 },
        { host: "backup.example.org", priority: 20 },
      ],
    });
  });

  test("randomizes only among equal preferences", async () => {
    const r = createStaticResolver({
      "example.org": {
        MX: [
          { exchange: "c", priority: 5 },
          { exchange: "a", priority: 10 },
          { exchange: "b", priority: 10 },
        ],
      },
    });
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const res = await lookupMx(r, "example.org");
      assert.equal(res.hosts[0]?.host, "c");
      seen.add(res.hosts.map((h) => h.host).join(","));
    }
    assert.deepEqual([...seen].sort(), ["c,a,b", "c,b,a"]);
  });

  test("no MX records means the domain itself, preference 0 (RFC 5321 5.1)", async () => {
    const r = createStaticResolver({ "example.org": { A: ["192.0.2.1"] } });
    assert.deepEqual(await lookupMx(r, "example.org"), { kind: "implicit", hosts: [{ host: "example.org", priority: 0 }] });
  });

  test("detects a null MX (RFC 7505), node:dns reports '.' as ''", async () => {
    const r = createStaticResolver({
      "nomail.example": { MX: [{ exchange: "", priority: 0 }] },
      "dotted.example": { MX: [{ exchange: ".", priority: 0 }] },
    });
    assert.deepEqual(await lookupMx(r, "nomail.example"), { kind: "null-mx", hosts: [] });
    assert.deepEqual(await lookupMx(r, "dotted.example"), { kind: "null-mx", hosts: [] });
  });

  test("ignores a null MX mixed with real hosts", async () => {
    const r = createStaticResolver({
      "mixed.example": { MX: [{ exchange: "", priority: 0 }, { exchange: "mx.mixed.example", priority: 10 }] },
    });
    assert.deepEqual(await lookupMx(r, "mixed.example"), { kind: "mx", hosts: [{ host: "mx.mixed.example", priority: 10 }] });
  });

  test("NXDOMAIN is a result; SERVFAIL and timeouts reject as temporary", async () => {
    const r = createStaticResolver({ "broken.example": { fail: { MX: "servfail" } }, "slow.example": { fail: "timeout" } });
    assert.deepEqual(await lookupMx(r, "gone.example"), { kind: "nxdomain", hosts: [] });
    for (const name of ["broken.example", "slow.example"]) {
      await assert.rejects(lookupMx(r, name), (err) => err instanceof DnsError && err.temporary);
    }
  });

  test("looks up IDNs by their A-label", async () => {
    const r = createStaticResolver({ "xn--bcher-kva.example": { MX: [{ exchange: "mx.xn--bcher-kva.example", priority: 1 }] } });
    const res = await lookupMx(r, "bücher.example");
    assert.equal(res.kind, "mx");
    assert.equal(res.hosts[0]?.host, "mx.xn--bcher-kva.example");
  });
});
