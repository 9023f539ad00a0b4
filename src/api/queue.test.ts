// Queue control extensions: QueueList (states, address filter, paging), QueueGet, QueueCancel
// (mox's `canceled` event, refusals for retired and foreign messages, nothing changed on a
// refusal) and QueueRetryNow, through app.request() on the real delivery service (not started,
// so sends stay queued).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { formatGoTime, startCursor } from "../events/index.js";
import { startApiEnv, type ApiEnv } from "./test-env.js";

describe("webapi queue control", () => {
  let env: ApiEnv;
  before(async () => (env = await startApiEnv()));
  after(async () => env.close());

  const user = { user: "mjl@mox.example" };
  const later = () => formatGoTime(new Date(env.clock.now() + 3_600_000));
  const send = async (to: string[], o: Record<string, unknown> = {}) => {
    const r = await env.post("Send", { To: to.map((Address) => ({ Address })), Subject: "queued", Text: "hi\n", ...o }, user);
    assert.equal(r.status, 200, r.text);
    return (r.json.Submissions as { QueueMsgID: number }[]).map((s) => s.QueueMsgID);
  };

  it("lists queued messages by state and address, newest first, in pages", async () => {
    const [a, b] = await send(["one@remote.example", "two@remote.example"], { FutureRelease: later() });
    const [c] = await send(["three@remote.example"]);
    const all = await env.post("QueueList", {}, user);
    assert.equal(all.status, 200, all.text);
    const ids = all.json.Messages.map((m: { QueueMsgID: number }) => m.QueueMsgID);
    assert.deepEqual(ids.slice(0, 3), [c, b, a]);
    const m = all.json.Messages.find((x: { QueueMsgID: number }) => x.QueueMsgID === a);
    assert.deepEqual([m.State, m.Recipient, m.MailFrom, m.Attempts, m.LastError], ["scheduled", "one@remote.example", "mjl@mox.example", 0, ""]);
    const scheduled = await env.post("QueueList", { State: "scheduled" }, user);
    assert.deepEqual(scheduled.json.Messages.map((x: { QueueMsgID: number }) => x.QueueMsgID), [b, a]);
    const due = await env.post("QueueList", { State: "queued", Address: "THREE@remote.example" }, user);
    assert.deepEqual(due.json.Messages.map((x: { QueueMsgID: number }) => x.QueueMsgID), [c]);
    const page1 = await env.post("QueueList", { Limit: 2 }, user);
    assert.equal(page1.json.Messages.length, 2);
    assert.notEqual(page1.json.NextCursor, "");
    const page2 = await env.post("QueueList", { Limit: 2, Cursor: page1.json.NextCursor }, user);
    assert.equal(page2.json.Messages[0].QueueMsgID, a);
    // Another account sees none of them.
    const other = await env.post("QueueList", {}, { user: "other@other.example", password: "otherpw" });
    assert.deepEqual(other.json.Messages, []);
  });

  it("refuses an unknown state, a negative limit and a forged cursor", async () => {
    for (const req of [{ State: "sent" }, { Limit: -1 }, { Cursor: "bm9wZQ" }]) {
      const r = await env.post("QueueList", req, user);
      assert.equal(r.status, 400);
      assert.equal(r.json.Code, "user", JSON.stringify(req));
    }
  });

  it("gets one message with its (empty) timeline; another account's is not found", async () => {
    const [id] = await send(["get@remote.example"]);
    const r = await env.post("QueueGet", { QueueMsgID: id }, user);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ["Message", "Attempts", "Webhooks"]);
    assert.equal(r.json.Message.Recipient, "get@remote.example");
    assert.deepEqual(r.json.Attempts, []);
    const foreign = await env.post("QueueGet", { QueueMsgID: id }, { user: "other@other.example", password: "otherpw" });
    assert.equal(foreign.json.Code, "queueMsgNotFound");
    assert.equal((await env.post("QueueGet", { QueueMsgID: 999_999 }, user)).json.Code, "queueMsgNotFound");
  });

  it("cancels a queued message with a canceled event naming the recipient; a second cancel is notQueued", async () => {
    const [id] = await send(["cancel@remote.example"], { FutureRelease: later() });
    const foreign = await env.post("QueueCancel", { QueueMsgID: id }, { user: "other@other.example", password: "otherpw" });
    assert.equal(foreign.json.Code, "queueMsgNotFound");
    assert.equal((await env.post("QueueGet", { QueueMsgID: id }, user)).json.Message.State, "scheduled", "a refused cancel changed nothing");

    const r = await env.post("QueueCancel", { QueueMsgID: id }, user);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, {});
    const got = await env.post("QueueGet", { QueueMsgID: id }, user);
    assert.equal(got.json.Message.State, "canceled");
    assert.equal(got.json.Attempts[0].Error, "delivery canceled by sender");
    const again = await env.post("QueueCancel", { QueueMsgID: id }, user);
    assert.equal(again.json.Code, "notQueued");
    assert.match(again.json.Message, /canceled/);

    // The log shows an event once no older transaction runs on the server (events/log.ts): poll.
    let mine: Awaited<ReturnType<typeof env.eventLog.read>> = [];
    for (const end = Date.now() + 20_000; mine.length === 0 && Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      const events = await env.eventLog.read({ accountId: env.mjl, after: startCursor, kinds: ["canceled"], limit: 100 });
      mine = events.filter((e) => e.queueMsgId === id);
    }
    assert.equal(mine.length, 1);
    const p = JSON.parse(mine[0]!.payload);
    assert.deepEqual([p.Event, p.QueueMsgID, p.Recipient, p.MailFrom, p.Error], ["canceled", id, "cancel@remote.example", "mjl@mox.example", "delivery canceled by sender"]);
    const listed = await env.post("QueueList", { Address: "cancel@remote.example" }, user);
    assert.deepEqual(listed.json.Messages, []);
  });

  it("makes a scheduled message due now", async () => {
    const [id] = await send(["retry@remote.example"], { FutureRelease: later() });
    const r = await env.post("QueueRetryNow", { QueueMsgID: id }, user);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.Message.State, "queued");
    assert.equal(Date.parse(r.json.Message.NextAttempt), env.clock.now());
    assert.equal((await env.post("QueueCancel", { QueueMsgID: id }, user)).status, 200);
    assert.equal((await env.post("QueueRetryNow", { QueueMsgID: id }, user)).json.Code, "notQueued");
  });
});
