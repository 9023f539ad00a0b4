// mox queue_test.go TestRetiredHooks: one retired message and one event per outcome, with the
// exact mox Outgoing payload (Postwire: SMTPCode 250 on delivered).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "drizzle-orm";
import { removeExpired } from "./queries.js";
import { openBase, scenario, type TestBase } from "./test-env.js";

describe("delivery outcomes (TestRetiredHooks)", () => {
  let base: TestBase;
  before(async () => (base = await openBase()));
  after(async () => base.close());

  it("delivers and emits queued then delivered with the remote's code", async () => {
    const s = await scenario(base, "okay");
    try {
      const [sub] = await s.send(["rcpt@remote.example"], { extra: { a: "123" } });
      const [ev] = await s.waitFor(["delivered"], 1);
      assert.ok(ev, "delivered event");
      const p = JSON.parse(ev.payload) as Record<string, unknown>;
      assert.deepEqual(Object.keys(p), [
        "Version", "Event", "DSN", "Suppressing", "QueueMsgID", "FromID", "MessageID", "Subject",
        "WebhookQueued", "SMTPCode", "SMTPEnhancedCode", "Error", "Extra", "Recipient", "MailFrom",
      ]);
      assert.equal(p.Recipient, "rcpt@remote.example");
      assert.equal(p.MailFrom, s.address);
      assert.equal(p.Event, "delivered");
      assert.equal(p.QueueMsgID, sub!.queueMsgId);
      assert.equal(p.SMTPCode, 250);
      assert.equal(p.SMTPEnhancedCode, "2.0.0");
      assert.equal(p.Error, "");
      assert.deepEqual(p.Extra, { a: "123" });
      assert.deepEqual((await s.events()).map((e) => e.kind), ["queued", "delivered"]);
      assert.equal(s.mx.transactions.length, 1);
      const [row] = await s.delivery.admin.list({ ids: [sub!.queueMsgId] });
      assert.equal(row!.status, "delivered");
      assert.equal(row!.attempts, 1);
      assert.ok(row!.keepUntil && row!.keepUntil.getTime() > Date.now() + 6 * 86_400_000, "kept 7 days");
      assert.equal(row!.results[0]!.success, true);
      assert.equal(row!.results[0]!.code, 250);
    } finally {
      await s.stop();
    }
  });

  it("fails on 554 5.1.0 without suppressing, on 550 with suppressing, then suppresses", async () => {
    const s = await scenario(base, "rejects", {
      script: { rcptTo: (r) => (r.startsWith("five54") ? { code: 554, text: "5.1.0 no" } : r.startsWith("five50") ? { code: 550, text: "5.0.0 gone" } : null) },
    });
    try {
      await s.send(["five54@remote.example"]);
      await s.send(["five50@remote.example"]);
      const failed = await s.waitFor(["failed"], 2);
      const byRcpt = Object.fromEntries(failed.map((e) => [e.address, JSON.parse(e.payload) as Record<string, unknown>]));
      assert.equal(byRcpt["five54@remote.example"]!.Suppressing, false);
      assert.equal(byRcpt["five54@remote.example"]!.SMTPCode, 554);
      assert.equal(byRcpt["five54@remote.example"]!.SMTPEnhancedCode, "5.1.0");
      assert.equal(byRcpt["five54@remote.example"]!.Error, "554 5.1.0 no");
      assert.equal(byRcpt["five50@remote.example"]!.Suppressing, true);
      assert.equal(byRcpt["five50@remote.example"]!.SMTPCode, 550);
      const list = await s.delivery.suppressions.list(base.database.db, s.accountId);
      assert.deepEqual(list.map((x) => [x.baseAddress, x.manual, x.reason]), [
        ["five50@remote.example", false, 'delivery failure from queue with smtp code 550, enhanced code "0.0"'],
      ]);
      // The next send to a variant of the base address fails before connecting.
      const before = s.mx.connections;
      await s.send(["Five.50+tag@remote.example"]);
      const [sup] = await s.waitFor(["suppressed"], 1);
      const p = JSON.parse(sup!.payload) as Record<string, unknown>;
      assert.equal(p.Error, "address is on suppression list");
      assert.equal(p.SMTPCode, 0);
      assert.equal(s.mx.connections, before, "no connection for a suppressed recipient");
    } finally {
      await s.stop();
    }
  });

  it("admin fail gives failed with a canceled error, drop gives canceled", async () => {
    const s = await scenario(base, "admin", { start: false });
    try {
      const [a] = await s.send(["a@remote.example"]);
      const [b] = await s.send(["b@remote.example"]);
      assert.equal(await s.delivery.admin.fail([a!.queueMsgId]), 1);
      assert.equal(await s.delivery.admin.drop([b!.queueMsgId]), 1);
      assert.equal(await s.delivery.admin.drop([b!.queueMsgId]), 0, "already retired");
      const [f] = await s.payloads(["failed"]);
      const [c] = await s.payloads(["canceled"]);
      assert.equal(f!.Error, "delivery canceled by admin");
      assert.equal(c!.QueueMsgID, b!.queueMsgId);
      const rows = await s.delivery.admin.list({ accountId: s.accountId });
      assert.deepEqual(rows.map((r) => r.status).sort(), ["canceled", "failed"]);
      assert.deepEqual((await s.inbox()).map((m) => m.subject), ["mail delivery failed"], "fail gives a DSN, drop none");
      await s.delivery.start();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(s.mx.transactions.length, 0, "nothing delivered after fail/drop");
    } finally {
      await s.stop();
    }
  });

  it("removes retired messages after the account's keep period, with their bodies", async () => {
    const s = await scenario(base, "nokeep", { settings: { keepRetiredMessageMs: 0 } });
    try {
      const [sub] = await s.send(["a@remote.example"]);
      await s.waitFor(["delivered"], 1);
      assert.equal((await s.delivery.admin.list({ ids: [sub!.queueMsgId] })).length, 1);
      assert.ok((await removeExpired(base.database.db, new Date(Date.now() + 1))) >= 1);
      assert.deepEqual(await s.delivery.admin.list({ ids: [sub!.queueMsgId] }), []);
      const raws = await base.database.db.execute(sql`select count(*)::int as n from outbound_raws r where not exists (select 1 from outbound_messages m where m.raw_id = r.id)`);
      assert.equal((raws as unknown as { n: number }[])[0]!.n, 0, "no orphaned bodies");
    } finally {
      await s.stop();
    }
  });

  it("holds, releases and retries now", async () => {
    const s = await scenario(base, "holding", { start: false });
    try {
      const [a] = await s.send(["a@remote.example"], { futureRelease: new Date(Date.now() + 3_600_000) });
      assert.equal(await s.delivery.admin.hold([a!.queueMsgId]), 1);
      await s.delivery.start();
      await s.delivery.admin.retryNow([a!.queueMsgId]);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(s.mx.transactions.length, 0, "held message stays");
      assert.equal(await s.delivery.admin.release([a!.queueMsgId]), 1);
      assert.equal((await s.waitFor(["delivered"], 1)).length, 1);
    } finally {
      await s.stop();
    }
  });
});
