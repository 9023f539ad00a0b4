// Load and backpressure (docs/guarantees.md F3, G4, G5): a slow consumer is cut off with 1013 while
// another subscriber keeps up, and resumes without loss; dead peers are dropped by heartbeats;
// 1,000 concurrent subscribers over 100 accounts each see exactly their own events; caps.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { appendEvent, basic, connect, makeAccount, sleep, startRealtime, type Client, type Realtime } from "./realtime-harness.js";

const msgId = (c: Client) => c.events().map((f) => (f.json.Payload as { Meta: { MsgID: number } }).Meta.MsgID);
const bigPayload = (n: number, size: number) => `{"Meta":{"MsgID":${n}},"Text":"${"x".repeat(size)}"}`;

describe("realtime: load and backpressure", () => {
  let rt: Realtime;
  let acc: number;
  before(async () => {
    rt = await startRealtime({
      limits: { maxBufferedBytes: 256 * 1024, closeGraceMs: 20_000, maxPerIp: 5000, handshakesPerIpPerMinute: 100_000, maxPerAccount: 50 },
    });
    acc = await makeAccount(rt.database, "load", ["load@l.test"]);
  });
  after(async () => rt.stop());

  it("cuts a slow consumer off with 1013 while another keeps up; it resumes without loss", async () => {
    const slow = connect(rt.url(), { Authorization: basic("load@l.test") });
    const fast = connect(rt.url(), { Authorization: basic("load@l.test") });
    await Promise.all([slow.waitFrames(1), fast.waitFrames(1)]);
    slow.ws.pause(); // stops reading: the kernel buffers fill, then the server-side buffer grows
    const n = 300;
    const before = process.memoryUsage().rss;
    for (let i = 0; i < n; i++) await appendEvent(rt.eventLog, rt.database, acc, "load@l.test", bigPayload(i, 64 * 1024));
    await fast.waitFrames(1 + n, 30_000);
    assert.deepEqual(msgId(fast), Array.from({ length: n }, (_, i) => i), "the fast subscriber got everything in order");
    const deadline = Date.now() + 10_000;
    while (rt.stream.stats().slowConsumers < 1 && Date.now() < deadline) await sleep(20);
    assert.equal(rt.stream.stats().slowConsumers, 1);
    assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024, "memory did not grow with the backlog");
    slow.ws.resume();
    const closed = await slow.closed;
    assert.equal(closed.code, 1013);
    const got = msgId(slow);
    assert.ok(got.length < n, "it was cut before the end");
    assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => i), "what it got is a gap-free prefix");
    const last = slow.events().at(-1)!.json.Cursor as string;
    const again = connect(rt.url(`since=${last}`), { Authorization: basic("load@l.test") });
    await again.waitFrames(1 + n - got.length, 30_000);
    assert.deepEqual([...got, ...msgId(again)], Array.from({ length: n }, (_, i) => i));
    again.ws.close();
    fast.ws.close();
  });

  it("drops a peer that stops answering pings", async () => {
    const hb = await startRealtime({ database: rt.database, eventLog: rt.eventLog, limits: { heartbeatMs: 150 } });
    try {
      const dead = connect(hb.url(), { Authorization: basic("load@l.test") });
      const alive = connect(hb.url(), { Authorization: basic("load@l.test") });
      await Promise.all([dead.waitFrames(1), alive.waitFrames(1)]);
      dead.ws.pause();
      await sleep(700);
      assert.equal(hb.stream.stats().connections, 1, "only the answering peer is left");
      dead.ws.resume();
      assert.equal((await dead.closed).code, 1006);
      assert.equal(alive.ws.readyState, alive.ws.OPEN);
      alive.ws.close();
    } finally {
      await hb.stop();
    }
  });

  it("caps connections per account", async () => {
    const tok = await rt.methods.createToken(acc, { addresses: [], kinds: [], origin: "", sourceIp: "", validSeconds: 60 });
    const clients = Array.from({ length: 50 }, () => connect(rt.url(`token=${tok.token}`)));
    await Promise.all(clients.map((c) => c.waitFrames(1)));
    assert.equal(await connect(rt.url(`token=${tok.token}`)).refused, 429);
    for (const c of clients) c.ws.close();
    await Promise.all(clients.map((c) => c.closed));
  });

  it("1,000 subscribers over 100 accounts each see only their own account's events", async () => {
    const accounts: { id: number; address: string; token: string }[] = [];
    for (let i = 0; i < 100; i++) {
      const address = `u${i}@f3.test`;
      const id = await makeAccount(rt.database, `f3-${i}`, [address, `alt${i}@f3.test`]);
      const { token } = await rt.methods.createToken(id, { addresses: [], kinds: [], origin: "", sourceIp: "", validSeconds: 600 });
      accounts.push({ id, address, token });
    }
    const subs: { acc: number; filtered: boolean; c: Client }[] = [];
    for (let i = 0; i < 1000; i++) {
      const a = i % 100;
      const filtered = i % 10 === 9; // one in ten listens to the alt address only
      const q = `token=${accounts[a]!.token}${filtered ? `&addresses=alt${a}@f3.test` : ""}`;
      subs.push({ acc: a, filtered, c: connect(rt.url(q)) });
      if (i % 100 === 99) await Promise.all(subs.slice(-100).map((s) => s.c.waitFrames(1)));
    }
    assert.equal(rt.stream.stats().connections, 1000);
    const sent = new Map<number, number>();
    const t0 = Date.now();
    for (let k = 0; k < 300; k++) {
      const a = (k * 37) % 100;
      const alt = k % 3 === 0;
      await appendEvent(rt.eventLog, rt.database, accounts[a]!.id, alt ? `alt${a}@f3.test` : `u${a}@f3.test`, `{"Meta":{"MsgID":${k},"At":${Date.now()}}}`);
      sent.set(k, a);
    }
    const want = (acc: number, filtered: boolean) =>
      [...sent].filter(([k, a]) => a === acc && (!filtered || k % 3 === 0)).map(([k]) => k);
    await Promise.all(subs.map((s) => s.c.waitFrames(1 + want(s.acc, s.filtered).length, 30_000)));
    const elapsed = Date.now() - t0;
    await sleep(100);
    for (const s of subs) assert.deepEqual(msgId(s.c), want(s.acc, s.filtered));
    console.log(`# 1000 subscribers: 300 events fanned out in ${elapsed} ms, ${rt.stream.stats().framesSent} frames sent in total`);
    for (const s of subs) s.c.ws.close();
    await Promise.all(subs.map((s) => s.c.closed));
  });
});
