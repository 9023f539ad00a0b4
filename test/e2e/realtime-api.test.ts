// The webapi side of realtime, wired as app/ wires it: the hono webapi served by
// @hono/node-server with EventTokenCreate/EventList registered as extension methods, and the
// event stream attached to the same HTTP server. Token minting over HTTP, then a WebSocket on
// its ConnectionURI; EventList paging with the stream's filters and byte-identical frames.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventRoutes, type EventMethodsApi } from "../../src/api/routes/events.js";
import { listen, pw0, startApiEnv, type ApiEnv } from "../../src/api/test-env.js";
import { createEventMethods, createEventStream, type EventStream } from "../../src/websocket/index.js";
import { appendEvent, connect, payloadFor, silent } from "./realtime-harness.js";

describe("realtime: webapi EventTokenCreate and EventList", () => {
  let env: ApiEnv;
  let stream: EventStream;
  let http: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    let impl: EventMethodsApi | null = null;
    const lazy: EventMethodsApi = { createToken: (a, r) => impl!.createToken(a, r), listJson: (a, r) => impl!.listJson(a, r) };
    env = await startApiEnv({ methods: eventRoutes(lazy, { publicUrl: "https://mail.example" }) });
    impl = createEventMethods({ database: env.t.database, eventLog: env.eventLog, clock: env.clock });
    http = await listen(env.app);
    stream = createEventStream({ database: env.t.database, eventLog: env.eventLog, log: silent, clock: env.clock, limiter: env.limiter });
    stream.attach(http.server as Parameters<EventStream["attach"]>[0]);
  });
  after(async () => {
    await stream.close();
    await http.close();
    await env.close();
  });

  it("mints a token over the webapi whose ConnectionURI opens the stream from its origin", async () => {
    const origin = "http://app.example";
    const r = await env.post("EventTokenCreate", { Addresses: ["mjl@mox.example"], Origin: origin, ValidSeconds: 120 }, { user: "mjl@mox.example" });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ["Token", "ConnectionURI", "Expires"]);
    assert.equal(r.json.ConnectionURI, `wss://mail.example/webapi/v0/events?token=${r.json.Token}`);
    assert.equal(Date.parse(r.json.Expires), env.clock.now() + 120_000);
    const local = `ws://127.0.0.1:${http.port}/webapi/v0/events?token=${r.json.Token}`;
    const c = connect(local, { Origin: origin });
    await c.waitFrames(1);
    assert.deepEqual(c.frames[0]!.json.addresses, ["mjl@mox.example"]);
    await appendEvent(env.eventLog, env.t.database, env.mjl, "mjl@mox.example", payloadFor(1));
    await c.waitFrames(2);
    assert.ok(c.frames[1]!.text.endsWith(`"Payload":${payloadFor(1)}}`));
    c.ws.close();
  });

  it("refuses a token for another account's address as a user error", async () => {
    const r = await env.post("EventTokenCreate", { Addresses: ["other@other.example"] }, { user: "mjl@mox.example" });
    assert.equal(r.status, 400);
    assert.equal(r.json.Code, "user");
    const unauth = await env.post("EventTokenCreate", {});
    assert.equal(unauth.status, 401);
  });

  it("pages with EventList: same frames as the stream, same filters, cursor continues", async () => {
    const s = connect(`ws://127.0.0.1:${http.port}/webapi/v0/events?since=`, { Authorization: `Basic ${Buffer.from(`mjl@mox.example:${pw0}`).toString("base64")}` });
    for (let i = 2; i <= 6; i++) await appendEvent(env.eventLog, env.t.database, env.mjl, i % 2 ? "mjl@mox.example" : "mjl+x@mox.example", payloadFor(i), i === 6 ? "delivered" : "incoming");
    await appendEvent(env.eventLog, env.t.database, env.other, "other@other.example", payloadFor(99));
    await s.waitFrames(7);
    const streamed = s.events().map((f) => f.text);
    s.ws.close();

    const p1 = await env.post("EventList", { Limit: 4 }, { user: "mjl@mox.example" });
    assert.equal(p1.status, 200, p1.text);
    assert.match(p1.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(p1.json.Events.length, 4);
    assert.equal(p1.json.More, true);
    const p2 = await env.post("EventList", { Cursor: p1.json.Cursor, Limit: 4 }, { user: "mjl@mox.example" });
    assert.equal(p2.json.Events.length, 2);
    assert.equal(p2.json.More, false);
    // Byte-identical to the stream's frames: the events are spliced in, not re-encoded.
    const listed = `${p1.text}${p2.text}`.match(/\{"Cursor":.*?"Payload":\{"Version":0.*?\}\}\}/g);
    assert.deepEqual(listed, streamed);

    const f = await env.post("EventList", { Addresses: ["mjl+x@mox.example"], Kinds: ["incoming"] }, { user: "mjl@mox.example" });
    assert.deepEqual(f.json.Events.map((e: { Payload: { Meta: { MsgID: number } } }) => e.Payload.Meta.MsgID), [2, 4]);
    const polled = await env.post("EventList", { Cursor: f.json.Cursor }, { user: "mjl@mox.example" });
    assert.deepEqual(polled.json.Events, [], "a poller's cursor moved past what its filter skipped");

    const bad = await env.post("EventList", { Cursor: "garbage!" }, { user: "mjl@mox.example" });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.Code, "user");
    const foreign = await env.post("EventList", { Addresses: ["other@other.example"] }, { user: "mjl@mox.example" });
    assert.equal(foreign.json.Code, "user");
  });

  it("has form pages and index entries for both methods", async () => {
    for (const m of ["EventTokenCreate", "EventList"]) {
      const r = await env.fetch(`/webapi/v0/${m}`);
      assert.equal(r.status, 200);
      assert.match(await r.text(), new RegExp(m));
    }
    const index = await (await env.fetch("/webapi/v0/")).text();
    assert.match(index, /EventTokenCreate/);
    assert.match(index, /EventList/);
  });
});
