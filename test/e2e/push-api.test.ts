// The push API end to end over real HTTP and real `ws` clients on a full Postwire: register a
// recipient, push to it live and while it is away, global pushes reaching recipients registered
// later, topics, cancel and expiry, states and listing pages, and the refusals of bad input.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { call, eventually, ok, open, type PushClient } from "./push-harness.js";

const origin = "http://app.example";

describe("push API (PushRecipientRegister, PushMessage, PushGlobalMessage, states, lists)", () => {
  let app: TestApp;
  let port: number;
  const clients: PushClient[] = [];
  before(async () => {
    app = await startTestApp();
    port = app.ports.http!;
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    await app?.cleanup();
  });

  async function register(recipient: string, extra: Record<string, unknown> = {}, user?: string): Promise<string> {
    const r = await ok(port, "PushRecipientRegister", { Recipient: recipient, Origin: origin, ...extra }, user);
    return r.ConnectionURI as string;
  }
  async function connect(uri: string, extra = ""): Promise<PushClient> {
    const c = open(uri, origin, extra);
    clients.push(c);
    await c.until((x) => x.frames.length >= 1, "Listening");
    assert.equal(c.frames[0]!.msg, "Listening");
    return c;
  }
  const list = async (req: Record<string, unknown>, method = "PushMessageList") => (await ok(port, method, req)).Messages as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any

  it("registers a recipient with an absolute ConnectionURI and pushes to its live connection, then DELIVERED", async () => {
    const uri = await register("user-1");
    assert.match(uri, new RegExp(`^ws://127\\.0\\.0\\.1:${port}/webapi/v0/events\\?token=pwev_`));
    const c = await connect(uri);
    const r = await ok(port, "PushMessage", { Recipients: ["user-1"], Message: { hello: "wörld", n: [1, 2] } });
    assert.equal(r.Pushes.length, 1);
    const pushId = r.Pushes[0].PushID as number;
    await c.until((x) => x.pushes().length === 1, "the push frame");
    const f = c.pushes()[0]!;
    assert.deepEqual(Object.keys(f), ["Cursor", "Kind", "Event", "Payload"]);
    assert.equal(f.Event, "push");
    assert.deepEqual(Object.keys(f.Payload), ["PushID", "Topic", "Message", "CreatedAt", "ExpiresAt"]);
    assert.equal(f.Payload.PushID, pushId);
    assert.deepEqual(f.Payload.Message, { hello: "wörld", n: [1, 2] });
    const [item] = await eventually(async () => {
      const l = await list({ Recipient: "user-1", State: "DELIVERED" });
      return l.length ? l : null;
    }, "DELIVERED");
    assert.equal(item!.PushID, pushId);
    assert.ok(Date.parse(item!.DeliveredAt) > 0);
  });

  it("keeps pushes made while the recipient is away and sends them once on connect, in order; since replays", async () => {
    const uri = await register("user-2");
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await ok(port, "PushMessage", { Recipients: ["user-2"], Message: i })).Pushes[0].PushID);
    assert.equal((await list({ Recipient: "user-2", State: "PENDING" })).length, 3);
    const first = await connect(uri);
    await first.until((x) => x.pushes().length === 3, "three pending pushes");
    assert.deepEqual(first.pushes().map((f) => f.Payload.PushID), ids);
    const cursor = first.pushes()[0]!.Cursor as string;
    await eventually(async () => (await list({ Recipient: "user-2", State: "DELIVERED" })).length === 3, "all DELIVERED");
    // A second connection without since: nothing is pending any more, so nothing is sent again.
    const second = await connect(uri);
    const marker = (await ok(port, "PushMessage", { Recipients: ["user-2"], Message: "marker" })).Pushes[0].PushID;
    await second.until((x) => x.pushes().length >= 1, "the marker");
    assert.deepEqual(second.pushes().map((f) => f.Payload.PushID), [marker]);
    // With since: what came after that cursor, in order, once.
    const third = await connect(uri, `&since=${encodeURIComponent(cursor)}`);
    await third.until((x) => x.pushes().length >= 3, "replay after the cursor");
    assert.deepEqual(third.pushes().map((f) => f.Payload.PushID), [ids[1], ids[2], marker]);
  });

  it("delivers a global push to connected recipients and to one registered later, once each", async () => {
    const live = await connect(await register("g-1"));
    const { GlobalID } = await ok(port, "PushGlobalMessage", { Message: { all: true } });
    await live.until((x) => x.pushes().some((f) => f.Payload.GlobalID === GlobalID), "the global push");
    const late = await connect(await register("g-late"));
    await late.until((x) => x.pushes().some((f) => f.Payload.GlobalID === GlobalID), "the global push for a later recipient");
    const again = await connect(await register("g-late"));
    const marker = (await ok(port, "PushMessage", { Recipients: ["g-late"], Message: "m" })).Pushes[0].PushID;
    await again.until((x) => x.pushes().length >= 1, "marker");
    assert.deepEqual(again.pushes().map((f) => f.Payload.PushID ?? f.Payload.GlobalID), [marker], "the global push is not sent to g-late twice");
    const [g] = await eventually(async () => {
      const l = await list({ Recipient: "g-late" }, "PushGlobalMessageList");
      return l[0]?.State === "DELIVERED" ? l : null;
    }, "global DELIVERED for g-late");
    assert.equal(g!.GlobalID, GlobalID);
    assert.ok(g!.Deliveries >= 2);
    // Cancelled now: recipients registered from here on never get it.
    assert.equal((await ok(port, "PushMessageCancel", { GlobalID })).State, "CANCELLED");
    const afterCancel = await connect(await register("g-after-cancel"));
    const m2 = (await ok(port, "PushMessage", { Recipients: ["g-after-cancel"], Message: "m" })).Pushes[0].PushID;
    await afterCancel.until((x) => x.pushes().length >= 1, "marker");
    assert.deepEqual(afterCancel.pushes().map((f) => f.Payload.PushID ?? `g${f.Payload.GlobalID}`), [m2]);
  });

  it("sends a push with a topic only to recipients subscribed to it", async () => {
    const c = await connect(await register("t-1", { Topics: ["news"] }));
    await ok(port, "PushMessage", { Recipients: ["t-1"], Message: "s", Topic: "sports" });
    await ok(port, "PushMessage", { Recipients: ["t-1"], Message: "n", Topic: "news" });
    await ok(port, "PushMessage", { Recipients: ["t-1"], Message: "plain" });
    await c.until((x) => x.pushes().length >= 2, "news and plain");
    assert.deepEqual(c.pushes().map((f) => f.Payload.Message), ["n", "plain"]);
    assert.equal((await list({ Recipient: "t-1", Topic: "sports" }))[0]!.State, "PENDING");
  });

  it("never sends a cancelled or an expired push; lists them as CANCELLED and EXPIRED", async () => {
    const uri = await register("c-1");
    const cancelled = (await ok(port, "PushMessage", { Recipients: ["c-1"], Message: "cancel me" })).Pushes[0].PushID;
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const expiring = (await ok(port, "PushMessage", { Recipients: ["c-1"], Message: "expire me", ExpiresAt: expiresAt })).Pushes[0].PushID;
    const c1 = await ok(port, "PushMessageCancel", { PushID: cancelled });
    assert.equal(c1.State, "CANCELLED");
    const { GlobalID } = await ok(port, "PushGlobalMessage", { Message: "cancelled global" });
    await ok(port, "PushMessageCancel", { GlobalID });
    await eventually(async () => (await list({ Recipient: "c-1", State: "EXPIRED" })).length === 1, "EXPIRED");
    const c = await connect(uri);
    const marker = (await ok(port, "PushMessage", { Recipients: ["c-1"], Message: "marker" })).Pushes[0].PushID;
    await c.until((x) => x.pushes().length >= 1, "marker");
    assert.deepEqual(c.pushes().map((f) => f.Payload.PushID ?? `g${f.Payload.GlobalID}`), [marker]);
    const states = Object.fromEntries((await list({ Recipient: "c-1" })).map((m) => [m.PushID, m.State]));
    assert.equal(states[cancelled], "CANCELLED");
    assert.equal(states[expiring], "EXPIRED");
    const globals = await list({ State: "CANCELLED" }, "PushGlobalMessageList");
    assert.ok(globals.some((g) => g.GlobalID === GlobalID));
    // Cancelling a delivered or expired push is refused; an unknown id is pushNotFound.
    await eventually(async () => (await list({ Recipient: "c-1", State: "DELIVERED" })).length === 1, "marker DELIVERED");
    assert.equal((await call(port, "PushMessageCancel", { PushID: marker })).json.Code, "user");
    assert.equal((await call(port, "PushMessageCancel", { PushID: expiring })).json.Code, "user");
    assert.equal((await call(port, "PushMessageCancel", { PushID: 987654 })).json.Code, "pushNotFound");
  });

  it("pages lists newest first with a NextToken that stays stable while new pushes arrive", async () => {
    await register("p-1");
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await ok(port, "PushMessage", { Recipients: ["p-1"], Message: i })).Pushes[0].PushID);
    const seen: number[] = [];
    let token = "";
    for (let page = 0; ; page++) {
      const r = await ok(port, "PushMessageList", { Recipient: "p-1", Limit: 2, NextToken: token });
      seen.push(...r.Messages.map((m: { PushID: number }) => m.PushID));
      if (page === 0) await ok(port, "PushMessage", { Recipients: ["p-1"], Message: "newer" });
      token = r.NextToken;
      if (!token) break;
    }
    assert.deepEqual(seen, [...ids].reverse());
    const r = await call(port, "PushMessageList", { Recipient: "p-1", State: "PENDING", Limit: 2, NextToken: (await ok(port, "PushMessageList", { Recipient: "p-1", Limit: 2 })).NextToken });
    assert.equal(r.status, 400);
    assert.equal(r.json.Code, "user");
    assert.match(r.json.Message, /another query/);
  });

  it("refuses bad input with clear codes and stores nothing", async () => {
    await register("b-1");
    const before = (await list({ Recipient: "b-1" })).length;
    const cases: [string, unknown, string][] = [
      ["PushMessage", { Recipients: ["b-1", "nobody"], Message: 1 }, "recipientNotFound"],
      ["PushMessage", { Recipients: [], Message: 1 }, "user"],
      ["PushMessage", { Recipients: ["b-1"], Message: "x".repeat(70_000) }, "user"],
      ["PushMessage", { Recipients: ["b-1"], Message: 1, ExpiresAt: "2001-01-01T00:00:00Z" }, "user"],
      ["PushMessage", { Recipients: ["b-1"], Message: 1, Bogus: 1 }, "protocol"],
      ["PushGlobalMessage", { Message: 1, ExpiresAt: "2001-01-01T00:00:00Z" }, "user"],
      ["PushRecipientRegister", { Recipient: "" }, "user"],
      ["PushRecipientRegister", { Recipient: "r".repeat(129) }, "user"],
      ["PushRecipientRegister", { Recipient: "x", Origin: "not an origin" }, "user"],
      ["PushMessageList", { State: "LOST" }, "user"],
      ["PushMessageList", { Recipient: "nobody" }, "recipientNotFound"],
      ["PushMessageCancel", {}, "user"],
    ];
    for (const [method, req, code] of cases) {
      const r = await call(port, method, req);
      assert.equal(r.status, 400, `${method} ${JSON.stringify(req).slice(0, 80)}`);
      assert.equal(r.json.Code, code, `${method} ${JSON.stringify(req).slice(0, 80)}: ${r.json.Message}`);
      assert.ok(r.json.Message, "a message");
    }
    assert.equal((await list({ Recipient: "b-1" })).length, before, "nothing stored");
    assert.equal((await call(port, "PushMessageList", { Recipient: "x" })).json.Code, "recipientNotFound", "a refused registration registered nobody");
  });

  it("confines recipients and tokens to their account and origin; pushes reach neither basic-auth streams nor other accounts", async () => {
    const alice = await connect(await register("same-id"));
    const bobUri = await register("same-id", {}, "bob@example.test");
    const bob = await connect(bobUri);
    const basicStream = open(`ws://127.0.0.1:${port}/webapi/v0/events`, null);
    basicStream.ws.on("upgrade", () => {});
    clients.push(basicStream);
    const basicAuth = open(`ws://alice%40example.test:test-password-1@127.0.0.1:${port}/webapi/v0/events`, null);
    clients.push(basicAuth);
    await basicAuth.until((x) => x.frames.length >= 1, "basic-auth Listening");
    await ok(port, "PushMessage", { Recipients: ["same-id"], Message: "for bob" }, "bob@example.test");
    await ok(port, "PushMessage", { Recipients: ["same-id"], Message: "for alice" });
    await alice.until((x) => x.pushes().length >= 1, "alice's push");
    await bob.until((x) => x.pushes().length >= 1, "bob's push");
    assert.deepEqual(alice.pushes().map((f) => f.Payload.Message), ["for alice"]);
    assert.deepEqual(bob.pushes().map((f) => f.Payload.Message), ["for bob"]);
    assert.equal(basicAuth.pushes().length, 0);
    // Wrong origin: 403 before the upgrade; no origin (a cross-site page's token used elsewhere) too.
    const wrong = open(bobUri, "http://evil.example");
    assert.equal(await wrong.refused, 403);
    const none = open(bobUri, null);
    assert.equal(await none.refused, 403);
  });
});
