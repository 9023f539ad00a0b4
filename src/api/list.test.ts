// Postwire's extensions: MessageList (filters, newest first, cursor paging) and MessageWait
// (long-poll on the event log instead of sleeping in tests).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pw0, startApiEnv, type ApiEnv } from "./test-env.js";

const msg = (subject: string, body = "body text", to = "mjl@mox.example") =>
  [`From: sender@example.org`, `To: ${to}`, `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, "")}@example.org>`, "", body, ""].join("\r\n");

describe("webapi MessageList and MessageWait", () => {
  let env: ApiEnv;
  const ids: number[] = [];
  before(async () => {
    env = await startApiEnv();
    ids.push(await env.seed(env.mjl, msg("first hello")));
    ids.push(await env.seed(env.mjl, msg("second", "needle in body"), { rcptTo: "mjl+tag@mox.example" }));
    ids.push(await env.seed(env.mjl, msg("third hello"), { mailbox: "junk" }));
    ids.push(await env.seed(env.other, msg("not yours"), { rcptTo: "other@other.example" }));
  });
  after(async () => env.close());
  const post = (method: string, req: unknown) => env.post(method, req, { password: pw0 });
  const subjects = (r: { json: { Messages: { Subject: string }[] } }) => r.json.Messages.map((m) => m.Subject);

  it("lists the account's messages newest first with filters", async () => {
    const all = await post("MessageList", {});
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(subjects(all), ["third hello", "second", "first hello"]);
    assert.equal(all.json.NextCursor, "");
    const m = all.json.Messages[2];
    assert.deepEqual(Object.keys(m), ["MsgID", "Received", "MailboxName", "Size", "Flags", "MailFrom", "RcptTo", "From", "To", "Subject", "MessageID"]);
    assert.equal(m.MsgID, ids[0]);
    assert.deepEqual(m.From, [{ Name: "", Address: "sender@example.org" }]);
    assert.deepEqual(m.Flags, []);
    assert.deepEqual(subjects(await post("MessageList", { Mailbox: "Junk" })), ["third hello"]);
    assert.deepEqual(subjects(await post("MessageList", { Address: "MJL+tag@mox.example" })), ["second"]);
    assert.deepEqual(subjects(await post("MessageList", { Text: "NEEDLE" })), ["second"]);
    assert.deepEqual(subjects(await post("MessageList", { Text: "hello", Mailbox: "inbox" })), ["first hello"]);
    const future = new Date(Date.now() + 3600_000).toISOString();
    assert.deepEqual(subjects(await post("MessageList", { ReceivedAfter: future })), []);
    assert.deepEqual(subjects(await post("MessageList", { ReceivedBefore: future, Limit: 1 })), ["third hello"]);
    assert.equal((await post("MessageList", { Mailbox: "Bogus" })).json.Code, "user");
    assert.equal((await post("MessageList", { Cursor: "garbage" })).json.Code, "user");
    assert.equal((await post("MessageList", { Limit: -1 })).json.Code, "user");
  });

  it("pages with an opaque cursor", async () => {
    const seen: string[] = [];
    let cursor = "";
    for (let i = 0; i < 5; i++) {
      const r = await post("MessageList", { Limit: 1, Cursor: cursor });
      seen.push(...subjects(r));
      cursor = r.json.NextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, ["third hello", "second", "first hello"]);
  });

  it("MessageWait returns an already received match at once, with a cursor to continue", async () => {
    const r = await post("MessageWait", { Subject: "HELLO" });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.Message.Subject, "first hello");
    assert.notEqual(r.json.Cursor, "");
    const next = await post("MessageWait", { Subject: "hello", Cursor: r.json.Cursor });
    assert.equal(next.json.Message.Subject, "third hello");
    const byAddress = await post("MessageWait", { Address: "mjl+tag@mox.example" });
    assert.equal(byAddress.json.Message.Subject, "second");
  });

  it("MessageWait waits for mail that arrives later, and times out with a null Message", async () => {
    const start = await post("MessageWait", { Subject: "third" });
    const cursor = start.json.Cursor as string;
    const t0 = Date.now();
    const waiting = post("MessageWait", { Cursor: cursor, Subject: "late arrival", Timeout: 20 });
    await new Promise((r) => setTimeout(r, 300));
    await env.seed(env.mjl, msg("unrelated"));
    const lateId = await env.seed(env.mjl, msg("late arrival"));
    const r = await waiting;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.Message.MsgID, lateId);
    assert.ok(Date.now() - t0 < 10_000, "woken well before the timeout");

    const t1 = Date.now();
    const none = await post("MessageWait", { Cursor: r.json.Cursor, Subject: "never", Timeout: 1 });
    assert.equal(none.status, 200);
    assert.equal(none.json.Message, null);
    assert.ok(Date.now() - t1 >= 900);
    assert.notEqual(none.json.Cursor, "");
    assert.equal((await post("MessageWait", { Timeout: 61 })).json.Code, "user");
    assert.equal((await post("MessageWait", { Cursor: "bogus!" })).json.Code, "user");
  });
});
