// Who may listen (docs/guarantees.md group G): unauthenticated and wrong credentials, the shared
// failed-auth limiter, cross-site upgrades (CSWSH), foreign addresses, token scope, origin,
// source IP and expiry, account isolation, and client-side floods and oversized frames.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { manualClock } from "../../src/clock/index.js";
import { appendEvent, basic, connect, makeAccount, payloadFor, sleep, startRealtime, type Realtime } from "./realtime-harness.js";

const clock = manualClock(Date.now());

describe("realtime: authentication and isolation", () => {
  let rt: Realtime;
  let alice: number;
  let bob: number;
  before(async () => {
    rt = await startRealtime({ clock });
    alice = await makeAccount(rt.database, "alice", ["alice@a.test", "sales@a.test"]);
    bob = await makeAccount(rt.database, "bob", ["bob@b.test"]);
  });
  after(async () => rt.stop());

  it("refuses an upgrade without credentials, or with wrong ones, with 401 and no frame", async () => {
    for (const headers of [{} as Record<string, string>, { Authorization: basic("alice@a.test", "wrong") }, { Authorization: basic("nobody@a.test") }, { Authorization: "Basic" }]) {
      const c = connect(rt.url(), headers);
      assert.equal(await c.refused, 401);
      assert.equal(c.frames.length, 0);
    }
    const c = connect(rt.url("token=pwev_" + "A".repeat(43)));
    assert.equal(await c.refused, 401);
  });

  it("refuses a cross-site upgrade riding on basic auth (403), allows same-origin", async () => {
    const evil = connect(rt.url(), { Authorization: basic("alice@a.test"), Origin: "http://evil.test" });
    assert.equal(await evil.refused, 403);
    const nullOrigin = connect(rt.url(), { Authorization: basic("alice@a.test"), Origin: "null" });
    assert.equal(await nullOrigin.refused, 403);
    const fetchSite = connect(rt.url(), { Authorization: basic("alice@a.test"), "Sec-Fetch-Site": "cross-site" });
    assert.equal(await fetchSite.refused, 403);
    // Same host and port, other scheme: another origin (the stream is served over plain HTTP here).
    const otherScheme = connect(rt.url(), { Authorization: basic("alice@a.test"), Origin: `https://127.0.0.1:${rt.port}` });
    assert.equal(await otherScheme.refused, 403);
    const same = connect(rt.url(), { Authorization: basic("alice@a.test"), Origin: `http://127.0.0.1:${rt.port}` });
    await same.waitFrames(1);
    same.ws.close();
  });

  it("refuses another account's address with an error frame and close 1008", async () => {
    const c = connect(rt.url("addresses=alice@a.test,bob@b.test"), { Authorization: basic("alice@a.test") });
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
    assert.deepEqual(c.frames.map((f) => f.json.status), [403]);
    const bad = connect(rt.url("kinds=incoming,nonsense"), { Authorization: basic("alice@a.test") });
    assert.equal((await bad.closed).code, 1008);
    assert.equal(bad.frames[0]!.json.status, 400);
    const cursor = connect(rt.url("since=!!"), { Authorization: basic("alice@a.test") });
    assert.equal((await cursor.closed).code, 1008);
  });

  it("never shows one account's events to another, whatever the filter", async () => {
    const a = connect(rt.url(), { Authorization: basic("alice@a.test") });
    const b = connect(rt.url("since="), { Authorization: basic("bob@b.test") });
    await Promise.all([a.waitFrames(1), b.waitFrames(1)]);
    await appendEvent(rt.eventLog, rt.database, bob, "bob@b.test", payloadFor(1));
    await appendEvent(rt.eventLog, rt.database, alice, "alice@a.test", payloadFor(2));
    // An event of alice's account about an address bob owns still belongs to alice only.
    await appendEvent(rt.eventLog, rt.database, alice, "bob@b.test", payloadFor(3), "delivered");
    await a.waitFrames(3);
    await b.waitFrames(2);
    await sleep(100);
    assert.deepEqual(b.events().map((f) => (f.json.Payload as { Meta: { MsgID: number } }).Meta.MsgID), [1]);
    assert.deepEqual(a.events().map((f) => (f.json.Payload as { Meta: { MsgID: number } }).Meta.MsgID), [2, 3]);
    a.ws.close();
    b.ws.close();
  });

  it("a token works from its origin only, within its addresses and kinds", async () => {
    const origin = "https://app.example:8443";
    const { token, expires } = await rt.methods.createToken(alice, { addresses: ["sales@a.test"], kinds: ["incoming"], origin, sourceIp: "", validSeconds: 60 });
    assert.match(token, /^pwev_/);
    assert.equal(expires.getTime(), clock.now() + 60_000);
    const stored = await rt.database.sql`select token_hash from event_tokens`;
    assert.ok(stored.every((r) => r.token_hash !== token && /^[0-9a-f]{64}$/.test(r.token_hash as string)), "only a hash is stored");

    for (const headers of [{} as Record<string, string>, { Origin: "https://evil.test" }, { Origin: "http://app.example:8443" }]) {
      assert.equal(await connect(rt.url(`token=${token}`), headers).refused, 403);
    }
    const c = connect(rt.url(`token=${token}`), { Origin: origin });
    const [first] = await c.waitFrames(1);
    assert.deepEqual(first!.json.addresses, ["sales@a.test"]);
    await appendEvent(rt.eventLog, rt.database, alice, "alice@a.test", payloadFor(10));
    await appendEvent(rt.eventLog, rt.database, alice, "sales@a.test", payloadFor(11), "delivered");
    await appendEvent(rt.eventLog, rt.database, alice, "sales@a.test", payloadFor(12));
    await c.waitFrames(2);
    await sleep(100);
    assert.deepEqual(c.events().map((f) => (f.json.Payload as { Meta: { MsgID: number } }).Meta.MsgID), [12]);
    c.ws.close();

    const wider = connect(rt.url(`token=${token}&addresses=alice@a.test`), { Origin: origin });
    assert.equal((await wider.closed).code, 1008);
    const kinds = connect(rt.url(`token=${token}&kinds=delivered`), { Origin: origin });
    assert.equal((await kinds.closed).code, 1008);
  });

  it("a token bound to a source IP refuses others; an expired token is refused", async () => {
    const other = await rt.methods.createToken(alice, { addresses: [], kinds: [], origin: "", sourceIp: "10.9.9.9", validSeconds: 0 });
    assert.equal(await connect(rt.url(`token=${other.token}`)).refused, 403);
    const mine = await rt.methods.createToken(alice, { addresses: [], kinds: [], origin: "", sourceIp: "127.0.0.1", validSeconds: 30 });
    const ok = connect(rt.url(`token=${mine.token}`));
    await ok.waitFrames(1);
    ok.ws.close();
    clock.advance(31_000);
    assert.equal(await connect(rt.url(`token=${mine.token}`)).refused, 401);
    // Without an origin a token is for non-browser clients: a cross-site page cannot use it.
    const fresh = await rt.methods.createToken(alice, { addresses: [], kinds: [], origin: "", sourceIp: "", validSeconds: 30 });
    assert.equal(await connect(rt.url(`token=${fresh.token}`), { Origin: "http://evil.test" }).refused, 403);
  });

  it("refuses tokens for foreign addresses or bad input", async () => {
    const bad = [
      { addresses: ["bob@b.test"] },
      { kinds: ["bogus"] },
      { origin: "https://app.example/path" },
      { sourceIp: "not-an-ip" },
      { validSeconds: 8 * 86_400 },
    ];
    for (const b of bad) {
      await assert.rejects(rt.methods.createToken(alice, { addresses: [], kinds: [], origin: "", sourceIp: "", validSeconds: 0, ...b }), { name: "EventStreamError" });
    }
  });

  it("closes a client that sends a data frame (1008, on the first) or a huge frame (1009)", async () => {
    const one = connect(rt.url(), { Authorization: basic("alice@a.test") });
    await one.waitFrames(1);
    one.ws.send("x");
    const closed = await one.closed;
    assert.equal(closed.code, 1008);
    assert.equal(closed.reason, "this stream takes no messages");
    const big = connect(rt.url(), { Authorization: basic("alice@a.test") });
    await big.waitFrames(1);
    big.ws.send(Buffer.alloc(200 * 1024));
    assert.equal((await big.closed).code, 1009);
  });

  it("rate-limits handshakes per IP (429 past 600 a minute)", async () => {
    clock.advance(61_000);
    for (let i = 0; i < 600; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => connect(rt.url()).refused));
      assert.ok(batch.every((s) => s === 401));
    }
    assert.equal(await connect(rt.url(), { Authorization: basic("alice@a.test") }).refused, 429);
    clock.advance(61_000);
  });

  it("answers 429 once the shared failed-auth limiter trips, even with the right password", async () => {
    clock.advance(61_000); // a fresh minute: earlier tests counted failures too
    for (let i = 0; i < 10; i++) assert.equal(await connect(rt.url(), { Authorization: basic("alice@a.test", "nope") }).refused, 401);
    assert.equal(await connect(rt.url(), { Authorization: basic("alice@a.test") }).refused, 429);
    clock.advance(61_000);
    const c = connect(rt.url(), { Authorization: basic("alice@a.test") });
    await c.waitFrames(1);
    c.ws.close();
  });
});
