// mox queue/hook_test.go TestFromIDIncomingDelivery (DSN cases): incoming mail to a FromID
// address of a retired message becomes an outgoing event instead of an incoming one.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { composeDsn, type DsnAction } from "../dsn/index.js";
import { message, openBase, scenario, type Scenario, type TestBase } from "./test-env.js";

describe("incoming DSNs to FromID addresses (TestFromIDIncomingDelivery)", () => {
  let base: TestBase;
  let s: Scenario;
  let fromId = "";
  before(async () => {
    base = await openBase();
    s = await scenario(base, "hooks", { settings: { fromIdLoginAddresses: ["hooks@hooks.example"] } });
    fromId = (await s.send(["rcpt@remote.example"]))[0]!.fromId;
    await s.waitFor(["delivered"], 1);
  });
  after(async () => {
    await s.stop();
    await base.close();
  });

  const dsn = (action: DsnAction, rcpts = ["rcpt@remote.example"], diag = "554 5.0.0 error"): Buffer =>
    composeDsn({
      kind: action === "delayed" ? "delayed" : "failed",
      hostname: "remote.example",
      to: `hooks+${fromId}@hooks.example`,
      originalHeaders: message("hooks@hooks.example", rcpts, "hello"),
      recipients: rcpts.map((address) => ({ address, action, diagnosticCode: diag })),
    });

  async function offer(raw: Buffer, rcptTo = `hooks+${fromId}@hooks.example`): Promise<{ consumed: boolean; event?: Record<string, unknown> }> {
    const before = (await s.events()).length;
    const consumed = await base.database.db.transaction((tx) => s.delivery.handleIncoming(tx, { accountId: s.accountId, rcptTo, raw, parsed: null }));
    // The log shows an event once no older transaction runs on the server (events/log.ts), so a
    // transaction elsewhere on a busy server can hide it for a moment: wait for it.
    let ev = (await s.events()).slice(before);
    for (const t0 = Date.now(); consumed && ev.length === 0 && Date.now() - t0 < 5000; ev = (await s.events()).slice(before)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(ev.length <= 1);
    return { consumed, event: ev[0] && { kind: ev[0].kind, ...(JSON.parse(ev[0].payload) as Record<string, unknown>) } };
  }

  it("leaves mail without a matching FromID alone", async () => {
    assert.deepEqual(await offer(dsn("failed"), "hooks@hooks.example"), { consumed: false, event: undefined });
    assert.deepEqual(await offer(dsn("failed"), "hooks+unknown@hooks.example"), { consumed: false, event: undefined });
  });

  for (const action of ["delayed", "relayed", "delivered", "failed"] as const) {
    it(`turns a DSN with action ${action} into a ${action} event with the DSN's codes`, async () => {
      const { consumed, event } = await offer(dsn(action));
      assert.equal(consumed, true);
      assert.equal(event!.kind, action);
      assert.equal(event!.Event, action);
      assert.equal(event!.DSN, true);
      assert.equal(event!.SMTPCode, 554);
      assert.equal(event!.SMTPEnhancedCode, "5.0.0");
      assert.equal(event!.Error, "");
      assert.equal(event!.FromID, fromId);
      assert.equal(event!.Suppressing, false, "554 5.0.0 is no immediate block");
      assert.equal(event!.Extra, null, "DSN events carry the original's Extra, null when it had none");
      // BounceClass (extension) only on failed DSN events: 554 5.0.0 is a hard bounce.
      assert.equal(event!.BounceClass, action === "failed" ? "hard" : undefined);
    });
  }

  it("classes a failed DSN's bounce: mailbox full and 4xx are soft, a policy refusal hard", async () => {
    const full = await offer(dsn("failed", ["rcpt@remote.example"], "552 5.2.2 mailbox full"));
    assert.deepEqual([full.event!.Event, full.event!.BounceClass], ["failed", "soft"]);
    const later = await offer(dsn("failed", ["rcpt@remote.example"], "451 4.4.1 no answer"));
    assert.equal(later.event!.BounceClass, "soft");
    const gone = await offer(dsn("failed", ["rcpt@remote.example"], "554 5.7.0 refused by policy"));
    assert.equal(gone.event!.BounceClass, "hard");
    assert.deepEqual(Object.keys(gone.event!).filter((k) => k !== "kind").slice(-4), ["Extra", "Recipient", "MailFrom", "BounceClass"]);
  });

  it("marks a multi-recipient DSN or an unknown action as unrecognized", async () => {
    const multi = await offer(dsn("failed", ["rcpt@remote.example", "other@remote.example"]));
    assert.deepEqual([multi.consumed, multi.event!.Event, multi.event!.DSN], [true, "unrecognized", true]);
    const bogus = await offer(Buffer.from(dsn("failed").toString().replace("Action: failed", "Action: bogus")));
    assert.deepEqual([bogus.event!.Event, bogus.event!.DSN], ["unrecognized", true]);
  });

  it("marks a non-DSN reply to a FromID address as unrecognized, DSN false", async () => {
    const r = await offer(message("rcpt@remote.example", [`hooks+${fromId}@hooks.example`], "out of office"));
    assert.deepEqual([r.consumed, r.event!.Event, r.event!.DSN, r.event!.SMTPCode], [true, "unrecognized", false, 0]);
  });

  it("suppresses on a failed DSN with 550 and notes each incoming message on the original", async () => {
    const r = await offer(dsn("failed", ["rcpt@remote.example"], "550 5.1.1 no such user"));
    assert.deepEqual([r.event!.Event, r.event!.Suppressing, r.event!.SMTPEnhancedCode], ["failed", true, "5.1.1"]);
    const list = await s.delivery.suppressions.list(base.database.db, s.accountId);
    assert.deepEqual(list.map((x) => x.reason), ['delivery failure from DSN with smtp code 550, enhanced code "1.1"']);
    const [row] = await s.delivery.admin.list({ accountId: s.accountId });
    assert.equal(row!.status, "delivered", "the retired message keeps its status");
    assert.equal(row!.results.length, 1 + 11, "the delivery plus one note per matched incoming message");
  });

  it("does not match a message that is still queued", async () => {
    const q = await scenario(base, "queuedonly", { start: false, settings: { fromIdLoginAddresses: ["queuedonly@queuedonly.example"] } });
    const [sub] = await q.send(["x@remote.example"]);
    const consumed = await base.database.db.transaction((tx) =>
      q.delivery.handleIncoming(tx, { accountId: q.accountId, rcptTo: `queuedonly+${sub!.fromId}@queuedonly.example`, raw: dsn("failed"), parsed: null }),
    );
    assert.equal(consumed, false);
    await q.stop();
  });

  it("turns an ARF abuse report into a complaint event and suppresses the recipient", async () => {
    await base.database.db.transaction((tx) => s.delivery.suppressions.remove(tx, s.accountId, "rcpt@remote.example"));
    const arf = Buffer.from(
      [
        "From: fbl@isp.example",
        `To: hooks+${fromId}@hooks.example`,
        "Subject: abuse report",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=feedback-report;',
        '\tboundary="arf"',
        "",
        "--arf",
        "Content-Type: text/plain",
        "",
        "A recipient marked this message as spam.",
        "--arf",
        "Content-Type: message/feedback-report",
        "",
        "Feedback-Type: abuse",
        "User-Agent: isp-fbl/1.0",
        "Version: 1",
        "",
        "--arf",
        "Content-Type: message/rfc822",
        "",
        "From: <hooks@hooks.example>",
        "To: <rcpt@remote.example>",
        "Subject: hello",
        "",
        "--arf--",
        "",
      ].join("\r\n"),
    );
    const r = await offer(arf);
    assert.equal(r.consumed, true);
    assert.deepEqual([r.event!.kind, r.event!.Event, r.event!.Suppressing, r.event!.Recipient, r.event!.Error], ["complaint", "complaint", true, "rcpt@remote.example", "feedback report: abuse"]);
    assert.equal(r.event!.BounceClass, undefined);
    const list = await s.delivery.suppressions.list(base.database.db, s.accountId);
    assert.deepEqual(list.map((x) => x.reason), ['complaint (feedback report, type "abuse")']);
  });
});
