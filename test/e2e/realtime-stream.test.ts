// The event stream over real sockets and a real database: the Listening frame, live delivery
// filtered by address and kind, payloads byte-identical to the log, frames only after commit,
// replay from a cursor, and resume after a forced disconnect with no loss and no duplicate.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { appendEvent, basic, connect, makeAccount, payloadFor, sleep, startRealtime, type Realtime } from "./realtime-harness.js";

describe("realtime: event stream", () => {
  let rt: Realtime;
  let acc: number;
  before(async () => {
    rt = await startRealtime();
    acc = await makeAccount(rt.database, "alice", ["alice@a.test", "sales@a.test"]);
  });
  after(async () => rt.stop());

  it("starts with a Listening frame naming the account's addresses and a cursor", async () => {
    const c = connect(rt.url(), { Authorization: basic("alice@a.test") });
    const [first] = await c.waitFrames(1);
    assert.deepEqual(Object.keys(first!.json), ["status", "msg", "addresses", "cursor"]);
    assert.equal(first!.json.status, 200);
    assert.equal(first!.json.msg, "Listening");
    assert.deepEqual(first!.json.addresses, ["alice@a.test", "sales@a.test"]);
    assert.equal(typeof first!.json.cursor, "string");
    c.ws.close();
  });

  it("delivers live events filtered by address, with the payload byte for byte", async () => {
    const all = connect(rt.url(), { Authorization: basic("sales@a.test") });
    const sales = connect(rt.url("addresses=sales@a.test"), { Authorization: basic("alice@a.test") });
    await Promise.all([all.waitFrames(1), sales.waitFrames(1)]);
    assert.deepEqual(sales.frames[0]!.json.addresses, ["sales@a.test"]);
    await appendEvent(rt.eventLog, rt.database, acc, "alice@a.test", payloadFor(1));
    await appendEvent(rt.eventLog, rt.database, acc, "sales+tag@a.test", payloadFor(2)); // catchall variant
    await appendEvent(rt.eventLog, rt.database, acc, "Sales@a.test", payloadFor(3));
    await all.waitFrames(4);
    await sales.waitFrames(3);
    await sleep(50);
    assert.equal(all.events().length, 3);
    assert.deepEqual(sales.events().map((f) => (f.json.Payload as { Meta: { MsgID: number } }).Meta.MsgID), [2, 3]);
    const f = all.events()[0]!;
    assert.deepEqual(Object.keys(f.json), ["Cursor", "Kind", "Event", "Payload"]);
    assert.equal(f.json.Kind, "incoming");
    assert.equal(f.json.Event, "incoming");
    assert.ok(f.text.endsWith(`"Payload":${payloadFor(1)}}`), "payload embedded verbatim");
    all.ws.close();
    sales.ws.close();
  });

  it("filters by kind; outgoing frames say Kind outgoing", async () => {
    const c = connect(rt.url("kinds=delivered,failed"), { Authorization: basic("alice@a.test") });
    await c.waitFrames(1);
    await appendEvent(rt.eventLog, rt.database, acc, "bob@remote.test", payloadFor(10), "queued");
    await appendEvent(rt.eventLog, rt.database, acc, "bob@remote.test", payloadFor(11), "delivered");
    await appendEvent(rt.eventLog, rt.database, acc, "alice@a.test", payloadFor(12));
    await c.waitFrames(2);
    await sleep(50);
    assert.equal(c.events().length, 1);
    assert.equal(c.events()[0]!.json.Kind, "outgoing");
    assert.equal(c.events()[0]!.json.Event, "delivered");
    c.ws.close();
  });

  it("sends nothing before commit and nothing for a rollback", async () => {
    const c = connect(rt.url(), { Authorization: basic("alice@a.test") });
    await c.waitFrames(1);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const tx = rt.database.db.transaction(async (t) => {
      await rt.eventLog.append(t, { accountId: acc, kind: "incoming", address: "alice@a.test", payload: payloadFor(20) });
      rt.eventLog.committed(acc); // a premature wake must not leak the uncommitted row
      await held;
    });
    await sleep(150);
    assert.equal(c.events().length, 0, "no frame while the transaction is open");
    release();
    await tx;
    rt.eventLog.committed(acc);
    await c.waitFrames(2);
    await rt.database.db
      .transaction(async (t) => {
        await rt.eventLog.append(t, { accountId: acc, kind: "incoming", address: "alice@a.test", payload: payloadFor(21) });
        throw new Error("roll back");
      })
      .catch(() => {});
    rt.eventLog.committed(acc);
    await appendEvent(rt.eventLog, rt.database, acc, "alice@a.test", payloadFor(22));
    await c.waitFrames(3);
    await sleep(50);
    assert.deepEqual(c.events().map((f) => (f.json.Payload as { Meta: { MsgID: number } }).Meta.MsgID), [20, 22]);
    c.ws.close();
  });

  it("replays from since (\"\" is the beginning) and then goes live", async () => {
    const c = connect(rt.url("since=&addresses=sales@a.test"), { Authorization: basic("alice@a.test") });
    await c.waitFrames(3);
    assert.equal(c.frames[0]!.json.cursor, "MC4w", "the start position, encoded");
    await appendEvent(rt.eventLog, rt.database, acc, "sales@a.test", payloadFor(30));
    await c.waitFrames(4);
    assert.deepEqual(c.events().map((f) => (f.json.Payload as { Meta: { MsgID: number } }).Meta.MsgID), [2, 3, 30]);
    c.ws.close();
  });

  it("resumes after forced disconnects while events keep coming: no loss, no duplicate", async () => {
    const first = connect(rt.url(), { Authorization: basic("alice@a.test") });
    await first.waitFrames(1);
    const total = 150;
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < total; i++) {
        await appendEvent(rt.eventLog, rt.database, acc, i % 2 ? "alice@a.test" : "sales@a.test", payloadFor(1000 + i));
        if (i % 10 === 0) await sleep(5);
      }
      writing = false;
    })();
    const got: number[] = [];
    let c = first;
    let cursor = first.frames[0]!.json.cursor as string;
    for (let round = 0; writing || got.length < total; round++) {
      await c.waitFrames(Math.min(c.frames.length + 1 + (round % 7), 1 + total - got.length), 20_000).catch(() => {});
      for (const f of c.events()) {
        got.push((f.json.Payload as { Meta: { MsgID: number } }).Meta.MsgID - 1000);
        cursor = f.json.Cursor as string;
      }
      c.ws.terminate(); // forced disconnect, possibly with frames in flight
      if (got.length >= total) break;
      c = connect(rt.url(`since=${cursor}`), { Authorization: basic("alice@a.test") });
      await c.waitFrames(1);
      assert.equal(c.frames[0]!.json.cursor, cursor);
    }
    await writer;
    assert.deepEqual(got, Array.from({ length: total }, (_, i) => i));
  });
});
