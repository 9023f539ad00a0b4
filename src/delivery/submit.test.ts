// Submission (mox webapisrv TestServer "Send" queueing), FromIDs, daily limits and the
// suppression list (mox queue/suppression_test.go TestSuppression).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DeliveryError } from "./index.js";
import { openBase, scenario, type TestBase } from "./test-env.js";

describe("delivery submit", () => {
  let base: TestBase;
  before(async () => (base = await openBase()));
  after(async () => base.close());

  it("queues one message per recipient with consecutive ids and a queued event each", async () => {
    const s = await scenario(base, "subm", { start: false });
    const subs = await s.send(["to@a.example", "cc@a.example", "bcc@b.example", "x@c.example"]);
    assert.deepEqual(subs.map((x) => x.address), ["to@a.example", "cc@a.example", "bcc@b.example", "x@c.example"]);
    const ids = subs.map((x) => x.queueMsgId);
    assert.deepEqual(ids, [ids[0]!, ids[0]! + 1, ids[0]! + 2, ids[0]! + 3]);
    assert.ok(subs.every((x) => x.fromId === ""));
    const queued = await s.payloads(["queued"]);
    assert.deepEqual(queued.map((p) => p.QueueMsgID), ids);
    assert.ok(queued.every((p) => p.Event === "queued" && p.SMTPCode === 0));
    const rows = await s.delivery.admin.list({ ids });
    assert.ok(rows.every((r) => r.mailFrom === s.address && r.status === "queued"));
    await s.stop();
  });

  it("gives every recipient its own FromID for a configured login address", async () => {
    const s = await scenario(base, "fromid", { start: false, settings: { fromIdLoginAddresses: ["fromid@fromid.example"] } });
    const subs = await s.send(["a@x.example", "b@x.example"]);
    assert.ok(subs.every((x) => /^[A-Za-z0-9_-]{22}$/.test(x.fromId)));
    assert.notEqual(subs[0]!.fromId, subs[1]!.fromId);
    const rows = await s.delivery.admin.list({ ids: subs.map((x) => x.queueMsgId) });
    assert.deepEqual(rows.map((r) => r.mailFrom).sort(), subs.map((x) => `fromid+${x.fromId}@fromid.example`).sort());
    // An SMTP submitter's own FromID is used once, then refused.
    const own = await s.send(["c@x.example"], { fromId: "mine", source: "smtp" });
    assert.equal(own[0]!.fromId, "mine");
    await assert.rejects(s.send(["d@x.example"], { fromId: "mine" }), (e: unknown) => e instanceof DeliveryError && e.code === "fromIdTaken");
    await assert.rejects(s.send(["d@x.example", "e@x.example"], { fromId: "other" }), (e: unknown) => e instanceof DeliveryError && e.code === "badSubmission");
    await s.stop();
  });

  it("refuses unparsable recipients", async () => {
    const s = await scenario(base, "badrcpt", { start: false });
    await assert.rejects(s.send(["not an address"]), (e: unknown) => e instanceof DeliveryError && e.code === "badAddress");
    await s.stop();
  });

  it("counts webapi and smtp sends against the daily limits", async () => {
    const s = await scenario(base, "limits", { start: false, settings: { maxOutgoingMessagesPerDay: 4, maxFirstTimeRecipientsPerDay: 2 } });
    const db = base.database.db;
    assert.equal(await s.delivery.checkSendLimits(db, s.accountId, ["a@x.example"]), null);
    await s.send(["a@x.example"]);
    await s.send(["a@x.example"], { source: "smtp" });
    assert.equal(await s.delivery.checkSendLimits(db, s.accountId, ["a@x.example"]), null, "a repeat recipient is not first-time");
    assert.equal(await s.delivery.checkSendLimits(db, s.accountId, ["b@x.example", "c@x.example"]), "recipientLimitReached");
    assert.equal(await s.delivery.checkSendLimits(db, s.accountId, ["a@x.example", "a@x.example", "a@x.example"]), "messageLimitReached");
    await s.stop();
  });
});

describe("suppression list (TestSuppression)", () => {
  let base: TestBase;
  before(async () => (base = await openBase()));
  after(async () => base.close());

  it("adds by base address, refuses duplicates, looks up and removes by any variant", async () => {
    const s = await scenario(base, "supp", { start: false });
    const { suppressions: sup } = s.delivery;
    const db = base.database.db;
    const added = await db.transaction((tx) => sup.add(tx, s.accountId, "M.j.l2+catchall@Mox.example", true, "test"));
    assert.equal(added.baseAddress, "mjl2@mox.example");
    assert.equal(added.originalAddress, "M.j.l2+catchall@mox.example");
    const dup = (e: unknown) => e instanceof DeliveryError && e.code === "error";
    await assert.rejects(db.transaction((tx) => sup.add(tx, s.accountId, "mjl2@mox.example", true, "")), dup);
    await assert.rejects(db.transaction((tx) => sup.add(tx, s.accountId, "bad address", true, "")), (e: unknown) => e instanceof DeliveryError && e.code === "badAddress");
    assert.equal(await sup.present(db, s.accountId, "mjl2@mox.example"), true);
    assert.equal(await sup.present(db, s.accountId, "M.j.l2-other@mox.example"), true);
    assert.equal(await sup.present(db, s.accountId, "other@mox.example"), false);
    const idna = await db.transaction((tx) => sup.add(tx, s.accountId, "Remote.Last-catchall@xn--74h.localhost", true, ""));
    assert.equal(idna.baseAddress, "remotelast@☺.localhost");
    assert.equal(idna.originalAddress, "Remote.Last-catchall@☺.localhost");
    assert.equal((await sup.list(db, s.accountId)).length, 2);
    await db.transaction((tx) => sup.remove(tx, s.accountId, "mjl2+x@mox.example"));
    await assert.rejects(db.transaction((tx) => sup.remove(tx, s.accountId, "mjl2@mox.example")), dup);
    assert.deepEqual((await sup.list(db, s.accountId)).map((x) => x.baseAddress), ["remotelast@☺.localhost"]);
    await s.stop();
  });
});
