import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createStaticResolver, DnsError, reverseName } from "./index.js";

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return "resolved";
  } catch (err) {
    assert.ok(err instanceof DnsError);
    return err.code;
  }
};

describe("createStaticResolver", () => {
  test("answers each type in node:dns shapes, names case-insensitive with optional dot", async () => {
    const r = createStaticResolver({
      "Example.ORG.": {
        A: ["192.0.2.1"],
        AAAA: ["2001:db8::1"],
        MX: [{ exchange: "mx.example.org", priority: 10 }],
        TXT: ["v=spf1 mx -all", ["part one ", "part two"]],
      },
    });
    assert.deepEqual(await r.resolve4("example.org"), ["192.0.2.1"]);
    assert.deepEqual(await r.resolve6("EXAMPLE.org."), ["2001:db8::1"]);
    assert.deepEqual(await r.resolveMx("example.org"), [{ exchange: "mx.example.org", priority: 10 }]);
    assert.deepEqual(await r.resolve("example.org", "TXT"), [["v=spf1 mx -all"], ["part one ", "part two"]]);
    assert.deepEqual(r.queries.at(-1), { name: "example.org", rrtype: "TXT" });
  });

  test("missing name is ENOTFOUND, missing type is ENODATA, unknown type is ENOTIMP", async () => {
    const r = createStaticResolver({ "example.org": { A: ["192.0.2.1"] } });
    assert.equal(await codeOf(r.resolveTxt("nowhere.example")), "ENOTFOUND");
    assert.equal(await codeOf(r.resolveTxt("example.org")), "ENODATA");
    assert.equal(await codeOf(r.resolve("example.org", "CAA")), "ENOTIMP");
  });

  test("scripts failures per name and per type", async () => {
    const r = createStaticResolver({
      "down.example": { fail: "servfail" },
      "half.example": { A: ["192.0.2.2"], fail: { TXT: "timeout", MX: "refused" } },
    });
    assert.equal(await codeOf(r.resolve4("down.example")), "ESERVFAIL");
    assert.equal(await codeOf(r.resolveTxt("half.example")), "ETIMEOUT");
    assert.equal(await codeOf(r.resolveMx("half.example")), "EREFUSED");
    assert.deepEqual(await r.resolve4("half.example"), ["192.0.2.2"]);
  });

  test("a scripted timeout waits timeoutMs; hang never settles", async () => {
    const r = createStaticResolver({ "slow.example": { fail: "timeout" }, "hang.example": { fail: "hang" } }, { timeoutMs: 50 });
    const t0 = Date.now();
    assert.equal(await codeOf(r.resolveTxt("slow.example")), "ETIMEOUT");
    assert.ok(Date.now() - t0 >= 45);
    const settled = await Promise.race([r.resolveTxt("hang.example").then(() => true, () => true), new Promise((ok) => setTimeout(ok, 50, false))]);
    assert.equal(settled, false);
  });

  test("reads the records object live and falls back for unknown names", async () => {
    const records: Record<string, { TXT?: string[] }> = {};
    const fallback = createStaticResolver({ "other.example": { TXT: ["from fallback"] } });
    const r = createStaticResolver(records, { fallback });
    records["late.example"] = { TXT: ["added later"] };
    assert.deepEqual(await r.resolveTxt("late.example"), [["added later"]]);
    assert.deepEqual(await r.resolveTxt("other.example"), [["from fallback"]]);
  });

  test("answers are copies", async () => {
    const r = createStaticResolver({ "example.org": { A: ["192.0.2.1"] } });
    (await r.resolve4("example.org")).push("203.0.113.9");
    assert.deepEqual(await r.resolve4("example.org"), ["192.0.2.1"]);
  });

  test("reverse() builds in-addr.arpa and ip6.arpa names", async () => {
    assert.equal(reverseName("192.0.2.10"), "10.2.0.192.in-addr.arpa");
    assert.equal(reverseName("::ffff:192.0.2.10"), "10.2.0.192.in-addr.arpa");
    assert.equal(
      reverseName("2001:db8::567:89ab"),
      "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
    );
    const r = createStaticResolver({ "10.2.0.192.in-addr.arpa": { PTR: ["mail.example.org"] } });
    assert.deepEqual(await r.reverse("192.0.2.10"), ["mail.example.org"]);
    assert.equal(await codeOf(r.reverse("not-an-ip")), "EBADNAME");
  });
});
