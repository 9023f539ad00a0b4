// Issue 15's sender features against a real `postwire localserve` process over HTTP (PGlite, or
// PostgreSQL when TEST_DATABASE_URL is set): Send's IdempotencyKey answers a repeat, also two at
// once and after a restart, with the first answer and one queue entry; categorized mail carries
// RFC 8058 List-Unsubscribe fields (signed by DKIM), and curl's one-click POST opts the recipient
// out of that category only, idempotently, refusing forged and stale links.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { startLocalserveProc, type ServerProc } from "../helpers/proc.js";

const run = promisify(execFile);

describe("sender features in localserve", () => {
  let p: ServerProc;
  before(async () => (p = await startLocalserveProc()));
  after(async () => p.cleanup());

  const call = async (method: string, request: unknown) => {
    const r = await fetch(`http://127.0.0.1:${p.ports.http}/webapi/v0/${method}`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from("mox@localhost:moxmoxmox").toString("base64")}`, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: JSON.stringify(request) }),
    });
    return { status: r.status, text: await r.text() };
  };
  const json = async (method: string, request: unknown) => {
    const r = await call(method, request);
    assert.equal(r.status, 200, `${method}: ${r.text}`);
    return JSON.parse(r.text);
  };
  /** curl's one-click POST (RFC 8058 §3.2); returns the HTTP status and body. */
  const oneClick = async (url: string) => {
    const { stdout } = await run("curl", ["-sS", "-w", "\n%{http_code}", "-d", "List-Unsubscribe=One-Click", url]);
    const lines = stdout.trimEnd().split("\n");
    return { status: Number(lines.pop()), body: lines.join("\n") };
  };
  const queued = async (address: string) => JSON.parse((await call("QueueList", { Address: address })).text).Messages.length as number;
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  const req = (to: string, key: string) => ({ To: [{ Address: to }], Subject: "once", Text: "hi\n", FutureRelease: tomorrow, IdempotencyKey: key });

  it("answers repeats of an IdempotencyKey, concurrent ones and ones after a restart, with one queue entry", async () => {
    const first = await call("Send", req("once@example.org", "invoice-42"));
    assert.equal(first.status, 200, first.text);
    assert.equal((await call("Send", req("once@example.org", "invoice-42"))).text, first.text);

    const both = await Promise.all([call("Send", req("twice@example.org", "invoice-43")), call("Send", req("twice@example.org", "invoice-43"))]);
    assert.deepEqual(both.map((b) => b.status), [200, 200]);
    assert.equal(both[0]!.text, both[1]!.text);
    assert.equal(await queued("twice@example.org"), 1);

    await p.stop();
    await p.restart();
    const afterRestart = await call("Send", req("once@example.org", "invoice-42"));
    assert.equal(afterRestart.text, first.text, "the key is stored, not in memory");
    assert.equal(await queued("once@example.org"), 1);
    const conflict = await call("Send", req("someone-else@example.org", "invoice-42"));
    assert.equal(conflict.status, 400);
    assert.equal(JSON.parse(conflict.text).Code, "idempotencyConflict");
    assert.equal(await queued("someone-else@example.org"), 0);
  });

  it("adds one-click unsubscribe to categorized mail; curl's POST opts out of that category only", async () => {
    const sent = await json("Send", { To: [{ Address: "reader@localhost" }], Subject: "weekly news", Text: "news\n", Categories: ["news"], UniqueID: "issue-1" });
    const wait = await json("MessageWait", { Address: "reader@localhost", Subject: "weekly news", Timeout: 30 });
    assert.ok(wait.Message, "delivered back to localserve's account");
    const raw = (await call("MessageRawGet", { MsgID: wait.Message.MsgID })).text;
    const header = raw.slice(0, raw.indexOf("\r\n\r\n")).replace(/\r\n[ \t]+/g, " ");
    const lu = /^List-Unsubscribe: (.*)$/m.exec(header)?.[1] ?? "";
    assert.match(header, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    const url = /<(http:\/\/[^>]+\/webapi\/unsubscribe\/[^>]+)>/.exec(lu)?.[1];
    assert.ok(url, lu);
    assert.match(lu, /<mailto:mox@localhost\?subject=unsubscribe%20news>/);
    assert.match(header, /^DKIM-Signature: .*h=[^;]*List-Unsubscribe/im, "the signature covers the fields");
    const got = await json("MessageGet", { MsgID: wait.Message.MsgID });
    assert.deepEqual(got.Meta.DKIMVerifiedDomains, ["localhost"]);
    const looked = await json("SendLookup", { Address: "reader@localhost", Category: "news" });
    assert.deepEqual([looked.Message.QueueMsgID, looked.Message.UniqueID, looked.Message.State], [sent.Submissions[0].QueueMsgID, "issue-1", "delivered"]);

    // A forged link (one signature character changed) and a GET change nothing.
    const forged = url!.slice(0, -1) + (url!.endsWith("A") ? "B" : "A");
    const bad = await oneClick(forged);
    assert.deepEqual([bad.status, JSON.parse(bad.body).Code], [400, "badUnsubscribeToken"]);
    assert.equal((await fetch(url!)).status, 200);
    assert.deepEqual((await json("PreferencesGet", { Address: "reader@localhost" })).OptOut, []);

    const first = await oneClick(url!);
    assert.deepEqual([first.status, JSON.parse(first.body).Result], [200, "unsubscribed"]);
    const again = await oneClick(url!);
    assert.deepEqual([again.status, JSON.parse(again.body).Result], [200, "alreadyUnsubscribed"], "idempotent");
    assert.deepEqual((await json("PreferencesGet", { Address: "reader@localhost" })).OptOut, ["news"]);

    // The next news mail is dropped for this reader only; other categories still arrive.
    const news = await json("Send", { To: [{ Address: "reader@localhost" }, { Address: "friend@localhost" }], Subject: "news 2", Text: "x\n", Categories: ["news"] });
    const [dropped, kept] = news.Submissions.map((s: { QueueMsgID: number }) => s.QueueMsgID);
    assert.equal((await json("QueueGet", { QueueMsgID: dropped })).Message.State, "suppressed");

    // The log shows events once no older transaction runs: wait for the drop's event (committed
    // after both POSTs), then count the unsubscribed events.
    type Ev = { Payload: { Event: string; Recipient: string; QueueMsgID: number } };
    let events: Ev[] = [];
    for (const end = Date.now() + 60_000; !events.some((e) => e.Payload.Event === "suppressed" && e.Payload.QueueMsgID === dropped); await new Promise((r) => setTimeout(r, 50))) {
      assert.ok(Date.now() < end, "the suppressed event shows in EventList");
      events = (await json("EventList", { Cursor: "", Addresses: [], Kinds: ["unsubscribed", "suppressed"], Limit: 1000 })).Events;
    }
    const unsub = events.filter((e) => e.Payload.Event === "unsubscribed");
    assert.equal(unsub.length, 1, "one event for two POSTs");
    assert.deepEqual([unsub[0]!.Payload.Event, unsub[0]!.Payload.Recipient], ["unsubscribed", "reader@localhost"]);
    assert.ok((await json("MessageWait", { Address: "friend@localhost", Subject: "news 2", Timeout: 30 })).Message);
    const bill = await json("Send", { To: [{ Address: "reader@localhost" }], Subject: "your bill", Text: "x\n", Categories: ["billing"] });
    assert.ok((await json("MessageWait", { Address: "reader@localhost", Subject: "your bill", Timeout: 30 })).Message);
    assert.notEqual(bill.Submissions[0].QueueMsgID, kept);

    // Opting back in makes the old link stale: replaying it does not undo the choice.
    await json("PreferencesSet", { Address: "reader@localhost", OptOut: [] });
    const replay = await oneClick(url!);
    assert.deepEqual([replay.status, JSON.parse(replay.body).Code], [409, "staleUnsubscribeToken"]);
    assert.deepEqual((await json("PreferencesGet", { Address: "reader@localhost" })).OptOut, []);
  });
});
