// Send's UniqueID and Categories, SendLookup, and per-recipient preferences: an opted-out
// category is dropped for that recipient only (a `suppressed` event, Suppressing false), the rest
// of the Send goes on; refusals (unknown category, bad names, bad addresses) change nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { formatGoTime, startCursor } from "../events/index.js";
import { ensureAccount } from "../store/index.js";
import { startApiEnv, type ApiEnv } from "./test-env.js";

describe("webapi categories, SendLookup and preferences", () => {
  let env: ApiEnv;
  before(async () => {
    env = await startApiEnv();
    await env.t.database.db.transaction((tx) =>
      ensureAccount(tx, {
        name: "mjl",
        addresses: ["mjl@mox.example", "mjl@disabled.example"],
        settings: { fromIdLoginAddresses: ["mjl+fromid@mox.example"], categories: ["news", "billing"] },
      }),
    );
  });
  after(async () => env.close());

  const user = { user: "mjl@mox.example" };
  const other = { user: "other@other.example", password: "otherpw" };
  const later = () => formatGoTime(new Date(env.clock.now() + 3_600_000));
  const send = async (to: string[], o: Record<string, unknown> = {}, who: { user: string; password?: string } = user) => {
    const r = await env.post("Send", { To: to.map((Address) => ({ Address })), Subject: "tagged", Text: "hi\n", FutureRelease: later(), ...o }, who);
    return r;
  };
  const state = async (id: number) => (await env.post("QueueGet", { QueueMsgID: id }, user)).json.Message;
  const queuedTo = async (to: string) => (await env.delivery.admin.list({ accountId: env.mjl, recipient: to })).length;

  it("refuses unknown, malformed and repeated categories and long UniqueIDs, queueing nothing", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ Categories: ["promo"] }, "unknownCategory"],
      [{ Categories: ["news", "news"] }, "user"],
      [{ Categories: ["bad name"] }, "user"],
      [{ Categories: ["all"] }, "user"],
      [{ UniqueID: "u".repeat(257) }, "user"],
    ];
    for (const [o, code] of cases) {
      const r = await send(["refused@remote.example"], o);
      assert.equal(r.status, 400, JSON.stringify(o));
      assert.equal(r.json.Code, code, JSON.stringify(o));
    }
    assert.equal(await queuedTo("refused@remote.example"), 0);
  });

  it("finds the latest send to an address, by UniqueID and by category, only in the caller's account", async () => {
    const a = await send(["lookup@remote.example"], { UniqueID: "welcome", Categories: ["news"] });
    const b = await send(["lookup@remote.example"], { UniqueID: "invoice-7", Categories: ["billing"] });
    const [ida, idb] = [a.json.Submissions[0].QueueMsgID, b.json.Submissions[0].QueueMsgID];
    const latest = await env.post("SendLookup", { Address: "Lookup@remote.example" }, user);
    assert.equal(latest.status, 200, latest.text);
    assert.deepEqual([latest.json.Message.QueueMsgID, latest.json.Message.UniqueID, latest.json.Message.Categories, latest.json.Message.State], [idb, "invoice-7", ["billing"], "scheduled"]);
    assert.equal((await env.post("SendLookup", { Address: "lookup@remote.example", UniqueID: "welcome" }, user)).json.Message.QueueMsgID, ida);
    assert.equal((await env.post("SendLookup", { Address: "lookup@remote.example", Category: "news" }, user)).json.Message.QueueMsgID, ida);
    assert.equal((await env.post("SendLookup", { Address: "lookup@remote.example", UniqueID: "welcome", Category: "billing" }, user)).json.Message, null);
    assert.equal((await env.post("SendLookup", { Address: "lookup@remote.example" }, other)).json.Message, null, "another account sees nothing");
    assert.equal((await env.post("SendLookup", { Address: "not an address" }, user)).json.Code, "badAddress");
  });

  it("drops an opted-out category for that recipient only, with a suppressed event", async () => {
    const set = await env.post("PreferencesSet", { Address: "Reader@remote.example", OptOut: ["news"] }, user);
    assert.equal(set.status, 200, set.text);
    assert.deepEqual([set.json.Address, set.json.OptOut], ["reader@remote.example", ["news"]]);
    assert.deepEqual((await env.post("PreferencesGet", { Address: "reader@REMOTE.example" }, user)).json.OptOut, ["news"]);
    assert.deepEqual((await env.post("PreferencesGet", { Address: "reader@remote.example" }, other)).json.OptOut, [], "preferences are per account");

    const r = await send(["reader@remote.example", "friend@remote.example"], { Categories: ["news"] });
    assert.equal(r.status, 200, r.text);
    const [dropped, kept] = r.json.Submissions.map((s: { QueueMsgID: number }) => s.QueueMsgID);
    assert.equal((await state(dropped)).State, "suppressed");
    assert.equal((await state(kept)).State, "scheduled");
    let events: { queueMsgId?: number | null; payload: string }[] = [];
    for (const end = Date.now() + 20_000; events.length === 0 && Date.now() < end; await new Promise((res) => setTimeout(res, 20))) {
      events = (await env.eventLog.read({ accountId: env.mjl, after: startCursor, kinds: ["suppressed"], limit: 100 })).filter((e) => e.queueMsgId === dropped);
    }
    const p = JSON.parse(events[0]!.payload);
    assert.deepEqual([p.Event, p.Suppressing, p.Recipient, p.Error], ["suppressed", false, "reader@remote.example", 'recipient opted out of category "news"']);

    // Other categories and uncategorized mail still go; "all" covers every category.
    const billing = await send(["reader@remote.example"], { Categories: ["billing"] });
    assert.equal((await state(billing.json.Submissions[0].QueueMsgID)).State, "scheduled");
    await env.post("PreferencesSet", { Address: "reader@remote.example", OptOut: ["all"] }, user);
    assert.deepEqual((await env.post("PreferencesGet", { Address: "reader@remote.example" }, user)).json.OptOut, ["all"]);
    const billing2 = await send(["reader@remote.example"], { Categories: ["billing"] });
    assert.equal((await state(billing2.json.Submissions[0].QueueMsgID)).State, "suppressed");
    const plain = await send(["reader@remote.example"]);
    assert.equal((await state(plain.json.Submissions[0].QueueMsgID)).State, "scheduled", "uncategorized mail is not affected");
  });

  it("refuses unknown categories, a mixed \"all\" and bad addresses in PreferencesSet, changing nothing", async () => {
    await env.post("PreferencesSet", { Address: "keep@remote.example", OptOut: ["billing"] }, user);
    for (const [req, code] of [
      [{ Address: "keep@remote.example", OptOut: ["promo"] }, "unknownCategory"],
      [{ Address: "keep@remote.example", OptOut: ["all", "news"] }, "user"],
      [{ Address: "keep@", OptOut: [] }, "badAddress"],
    ] as const) {
      const r = await env.post("PreferencesSet", req, user);
      assert.equal(r.json.Code, code, JSON.stringify(req));
    }
    assert.deepEqual((await env.post("PreferencesGet", { Address: "keep@remote.example" }, user)).json.OptOut, ["billing"]);
  });
});
