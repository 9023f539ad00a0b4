// mox webapisrv TestServer, first half: routing statuses, safe headers, method-name abuse,
// authentication with the failed-auth limiter, protocol errors (docs/contract.md §1.1–1.3, §6;
// docs/guarantees.md C1–C4, C7, C8).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { basic, pw0, pw1, startApiEnv, toRes, type ApiEnv } from "./test-env.js";

const safe = {
  "x-frame-options": "deny",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'self' 'unsafe-inline' data:",
  "referrer-policy": "same-origin",
};

function assertSafeHeaders(h: Headers, what: string): void {
  for (const [k, v] of Object.entries(safe)) assert.equal(h.get(k), v, `${k} on ${what}`);
}

describe("webapi routing", () => {
  let env: ApiEnv;
  before(async () => (env = await startApiEnv()));
  after(async () => env.close());

  it("answers mox's statuses with safe headers on every response", async () => {
    const cases: [string, string, number, string | null][] = [
      ["GET", "/webapi", 303, null],
      ["GET", "/webapi/", 303, null],
      ["POST", "/webapi/", 405, "text/plain; charset=utf-8"],
      ["GET", "/webapi/v0/", 200, "text/html; charset=utf-8"],
      ["POST", "/webapi/v0/", 200, "text/html; charset=utf-8"],
      ["GET", "/webapi/other/", 404, null],
      ["GET", "/webapi/v0", 404, null],
      ["GET", "/webapi/v0/Send", 200, "text/html; charset=utf-8"],
      ["GET", "/webapi/v0/MessageRawGet", 200, "text/html; charset=utf-8"],
      ["GET", "/webapi/v0/MessageList", 200, "text/html; charset=utf-8"],
      ["GET", "/webapi/v0/Bogus", 404, null],
      ["PUT", "/webapi/v0/Send", 405, "text/plain; charset=utf-8"],
      ["DELETE", "/webapi/v0/Send", 405, null],
      ["POST", "/webapi/v0/Send", 401, null],
      ["GET", "/elsewhere", 404, null],
    ];
    for (const [method, path, status, ct] of cases) {
      const r = await env.fetch(path, { method });
      assert.equal(r.status, status, `${method} ${path}`);
      if (ct) assert.equal(r.headers.get("content-type"), ct, `${method} ${path}`);
      assertSafeHeaders(r.headers, `${method} ${path}`);
      await r.arrayBuffer();
    }
    assert.equal((await env.fetch("/webapi/")).headers.get("location"), "/webapi/v0/");
    assert.equal((await env.fetch("/webapi")).headers.get("location"), "/webapi/");
    assert.equal(await (await env.fetch("/webapi/", { method: "POST" })).text(), "405 - method not allow\n");
    assert.equal(await (await env.fetch("/webapi/v0/Send", { method: "PUT" })).text(), "405 - method not allowed - use get or post\n");
    assert.equal(await (await env.fetch("/webapi/v0/Bogus")).text(), "404 page not found\n");
  });

  it("refuses method names that are not exactly a registered method with 404", async () => {
    const names = ["send", "SEND", "Send/x", "Send/", "constructor", "__proto__", "toString", "hasOwnProperty", "valueOf",
      "%00", "Send%00", "x".repeat(5000), "MessageGet%2F..", "..%2fadmin", "%2e%2e%2fadmin"];
    for (const n of names) {
      for (const method of ["GET", "POST"]) {
        const r = await env.fetch(`/webapi/v0/${n}`, { method, headers: { Authorization: basic("mjl@mox.example", pw0) } });
        assert.equal(r.status, 404, `${method} ${n.slice(0, 40)}`);
        assert.equal(await r.text(), "404 page not found\n");
      }
    }
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });

  it("needs basic auth for POST: 401 with WWW-Authenticate, not counted by the limiter", async () => {
    for (let i = 0; i < 11; i++) {
      const r = await env.fetch("/webapi/v0/Send", { method: "POST" }, "198.51.100.7");
      assert.equal(r.status, 401);
      assert.equal(r.headers.get("www-authenticate"), "Basic realm=webapi");
      assert.equal(await r.text(), "401 - unauthorized - use http basic auth with email address as username\n");
    }
    assert.equal(env.limiter.allowed("198.51.100.7"), true);
  });

  it("turns 21 bad passwords into 429 by the 21st, before any password check", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const r = await env.post("Send", {}, { password: "badpassword", ip: "198.51.100.20" });
      statuses.push(r.status);
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.equal(statuses[20], 429);
    // The right password is refused too while over the limit (docs/guarantees.md C3).
    const r = await env.post("SuppressionList", {}, { password: pw0, ip: "198.51.100.20" });
    assert.equal(r.status, 429);
    assert.equal(r.text, "429 - too many auth attempts\n");
    // Another minute: the per-minute window has passed.
    env.clock.advance(61_000);
    assert.equal((await env.post("SuppressionList", {}, { password: pw0, ip: "198.51.100.20" })).status, 200);
  });

  it("answers unknown users exactly like wrong passwords", async () => {
    const a = await env.post("SuppressionList", {}, { user: "nobody@mox.example", password: "x", ip: "198.51.100.30" });
    const b = await env.post("SuppressionList", {}, { user: "mjl@mox.example", password: "x", ip: "198.51.100.31" });
    const c = await env.post("SuppressionList", {}, { user: "mjl@unknown.example", password: "x", ip: "198.51.100.32" });
    for (const r of [a, b, c]) {
      assert.equal(r.status, 401);
      assert.equal(r.text, b.text);
      assert.deepEqual([...r.headers.entries()].sort(), [...b.headers.entries()].sort());
    }
  });

  it("logs in with any address of the account, catchall variants and PRECIS forms included", async () => {
    for (const user of ["mjl@mox.example", "MJL@Mox.Example", "mjl+anything@mox.example", "mjl@disabled.example"]) {
      for (const password of [pw0, pw1]) {
        const r = await env.post("SuppressionList", {}, { user, password });
        assert.equal(r.status, 200, `${user}`);
        assert.equal(r.text, '{"Suppressions":[]}\n');
      }
    }
  });

  it("refuses LoginDisabled accounts with 401, with the right and a wrong password", async () => {
    const right = await env.post("SuppressionList", {}, { user: "nologin@mox.example", password: pw0, ip: "198.51.100.40" });
    assert.equal(right.status, 401);
    assert.equal(right.text, "401 - unauthorized - login is disabled for this account\n");
    const wrong = await env.post("SuppressionList", {}, { user: "nologin@mox.example", password: "bad", ip: "198.51.100.41" });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.text, "401 - unauthorized - use http basic auth with email address as username\n");
  });

  it("answers malformed bodies and requests with 400 protocol", async () => {
    const auth = basic("mjl@mox.example", pw1);
    const cases: [Record<string, string>, string][] = [
      [{ "Content-Type": "application/json" }, "{}"],
      [{ "Content-Type": "multipart/form-data" }, "not formdata"],
      [{ "Content-Type": "multipart/form-data; boundary=xyz" }, "not formdata"],
      [{ "Content-Type": "application/x-www-form-urlencoded" }, "not encoded\n\n"],
      [{ "Content-Type": "application/x-www-form-urlencoded" }, ""],
      [{ "Content-Type": "application/x-www-form-urlencoded" }, "request=notjson"],
      [{ "Content-Type": "application/x-www-form-urlencoded" }, "request=[]"],
      [{ "Content-Type": "application/x-www-form-urlencoded" }, "request=%zz"],
      [{ "Content-Type": "application/x-www-form-urlencoded" }, "request=%7B%7D&request=%7B%7D"],
      [{ "Content-Type": "text/plain" }, "request={}"],
      [{ "Content-Type": "garbage" }, "request={}"],
      [{}, "request={}"],
    ];
    for (const [headers, body] of cases) {
      const r = await toRes(await env.fetch("/webapi/v0/SuppressionList", { method: "POST", headers: { ...headers, Authorization: auth }, body }));
      assert.equal(r.status, 400, `${JSON.stringify(headers)} ${body}`);
      assert.equal(r.headers.get("content-type"), "application/json; charset=utf-8");
      assert.equal(r.json.Code, "protocol", `${JSON.stringify(headers)} ${body}: ${r.text}`);
      assert.deepEqual(Object.keys(r.json), ["Code", "Message"]);
    }
  });

  it("decodes request JSON strictly: unknown keys, wrong types, bare values, pollution attempts", async () => {
    const bad = [
      '{"Bogus":1}',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"admin":true}}}',
      '{"MsgID":"1"}',
      '{"MsgID":1.5}',
      '{"MsgID":1e300}',
      '{"MsgID":1',
      "1",
      '"x"',
      "[".repeat(10000) + "]".repeat(10000),
    ];
    for (const req of bad) {
      const r = await env.post("MessageGet", req, { password: pw0 });
      assert.equal(r.status, 400, req.slice(0, 40));
      assert.equal(r.json.Code, "protocol", `${req.slice(0, 40)}: ${r.text}`);
    }
    assert.equal(({} as Record<string, unknown>).admin, undefined);
    assert.equal((Object.prototype as Record<string, unknown>).admin, undefined);
    // Keys match case-insensitively (Go), null leaves the zero value.
    const ok = await env.post("SuppressionPresent", '{"emailaddress":"x@example.org"}', { password: pw0 });
    assert.equal(ok.status, 200);
    assert.equal(ok.text, '{"Present":false}\n');
    const zero = await env.post("MessageGet", '{"MsgID":null}', { password: pw0 });
    assert.equal(zero.json.Code, "messageNotFound");
    // request=null is the zero request, as {} (mox: Go leaves the value at zero).
    const nullRequest = await env.post("SuppressionList", "null", { password: pw0 });
    assert.equal(nullRequest.status, 200, nullRequest.text);
    assert.equal(nullRequest.text, '{"Suppressions":[]}\n');
    assert.equal((await env.post("MessageGet", "null", { password: pw0 })).json.Code, "messageNotFound");
  });

  it("gives 500 on a forwarded listener without X-Forwarded-For, and uses it when present", async () => {
    const fwd = await startApiEnv({ trustForwarded: true });
    try {
      const r = await fwd.post("SuppressionList", {}, { password: "bad" });
      assert.equal(r.status, 500);
      assert.equal(r.text, "500 - internal server error - cannot find remote ip\n");
      const ok = await fwd.post("SuppressionList", {}, { password: pw0, headers: { "X-Forwarded-For": "203.0.113.9, 192.0.2.4" } });
      assert.equal(ok.status, 200);
    } finally {
      await fwd.close();
    }
  });

  it("refuses cross-site POSTs with 403 before authentication", async () => {
    const headers: Record<string, string>[] = [
      { Origin: "http://evil.test", "Sec-Fetch-Site": "cross-site" },
      { Origin: "http://evil.test" },
      { "Sec-Fetch-Site": "cross-site" },
      { Origin: "null" },
      { Origin: "http://localhost.evil.test" },
    ];
    for (const h of headers) {
      const r = await env.post("Send", { To: [{ Address: "x@example.org" }], Text: "hi" }, { password: pw0, headers: h, ip: "198.51.100.50" });
      assert.equal(r.status, 403, JSON.stringify(h));
      assert.equal(r.text, "403 - forbidden - cross-site request refused\n");
    }
    // The same site (the form page's own fetch) is fine.
    const same = await env.post("SuppressionList", {}, { password: pw0, headers: { Origin: "http://localhost", "Sec-Fetch-Site": "same-origin" } });
    assert.equal(same.status, 200);
  });
});
