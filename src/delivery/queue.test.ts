// mox queue_test.go TestQueue (delivery part) and docs/guarantees.md A3/E13 on a fake MX.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseDsn } from "../dsn/index.js";
import { message, openBase, scenario, type TestBase } from "./test-env.js";

describe("delivery queue (TestQueue)", () => {
  let base: TestBase;
  before(async () => (base = await openBase()));
  after(async () => base.close());

  it("sends two recipients of one domain in one transaction", async () => {
    const s = await scenario(base, "two");
    try {
      await s.send(["a@remote.example", "b@remote.example"]);
      assert.equal((await s.waitFor(["delivered"], 2)).length, 2);
      assert.equal(s.mx.transactions.length, 1);
      assert.deepEqual(s.mx.transactions[0]!.rcptTo, ["a@remote.example", "b@remote.example"]);
      assert.equal(s.mx.transactions[0]!.mailFrom, s.address);
    } finally {
      await s.stop();
    }
  });

  it("splits transactions when the server limits recipients (552 on the 2nd RCPT)", async () => {
    const s = await scenario(base, "split", { script: { maxRcpts: 1 } });
    try {
      await s.send(["a@remote.example", "b@remote.example", "c@remote.example"]);
      assert.equal((await s.waitFor(["delivered"], 3)).length, 3);
      assert.deepEqual(s.mx.transactions.map((t) => t.rcptTo), [["a@remote.example"], ["b@remote.example"], ["c@remote.example"]]);
      assert.equal(s.mx.connections, 1, "all transactions on one connection");
    } finally {
      await s.stop();
    }
  });

  it("records each recipient's own result in a mixed transaction", async () => {
    const s = await scenario(base, "mixed", {
      script: { rcptTo: (r) => (r.startsWith("temp") ? { code: 451, text: "4.2.0 later" } : r.startsWith("perm") ? { code: 554, text: "5.7.0 no" } : null) },
    });
    try {
      await s.send(["ok@remote.example", "temp@remote.example", "perm@remote.example"]);
      await s.waitFor(["failed"], 1);
      await s.waitFor(["delayed"], 1);
      const ev = await s.events(["delivered", "failed", "delayed"]);
      const firstOf = (k: string) => ev.find((e) => e.kind === k)?.address;
      assert.equal(firstOf("delivered"), "ok@remote.example");
      assert.equal(firstOf("failed"), "perm@remote.example");
      assert.equal(firstOf("delayed"), "temp@remote.example");
      assert.deepEqual(s.mx.transactions[0]!.rcptTo, ["ok@remote.example"]);
      // One DSN, naming only the permanently failed recipient (docs/guarantees.md E13).
      const inbox = await s.inbox();
      assert.equal(inbox.length, 1);
      const dsn = parseDsn(inbox[0]!.raw);
      assert.ok(dsn.isDsn && dsn.ok);
      assert.deepEqual(dsn.dsn.recipients.map((r) => [r.finalRecipient, r.action, r.status]), [["perm@remote.example", "failed", "5.7.0"]]);
    } finally {
      await s.stop();
    }
  });

  it("retries with delayed events, then fails after 8 attempts", async () => {
    const s = await scenario(base, "eight", { script: { data: () => ({ code: 451, text: "4.0.0 try later" }) } });
    try {
      const [sub] = await s.send(["slow@remote.example"]);
      const failed = await s.waitFor(["failed"], 1, 30_000);
      assert.equal(failed.length, 1);
      const kinds = (await s.events()).map((e) => e.kind);
      assert.deepEqual(kinds, ["queued", ...Array(7).fill("delayed"), "failed"]);
      const p = JSON.parse(failed[0]!.payload) as Record<string, unknown>;
      assert.equal(p.SMTPCode, 451);
      assert.equal(p.SMTPEnhancedCode, "4.0.0");
      assert.equal(p.Suppressing, false);
      const [row] = await s.delivery.admin.list({ ids: [sub!.queueMsgId] });
      assert.equal(row!.attempts, 8);
      assert.equal(row!.results.length, 8);
      const gaps = row!.results.slice(1).map((r, i) => Date.parse(r.start) - Date.parse(row!.results[i]!.start));
      // 7.5m, 15m, ... 8h divided by the time scale (100000): 4.5 ms ... 288 ms.
      assert.ok(gaps[6]! >= 280, `last wait ${gaps[6]} ms`);
      // A delayed DSN after the 5th attempt, a failure DSN at the end, both in the Inbox.
      const inbox = await s.inbox();
      assert.deepEqual(inbox.map((m) => [m.subject, m.isDsn]), [["mail delivery delayed", true], ["mail delivery failed", true]]);
      const delayed = parseDsn(inbox[0]!.raw);
      assert.ok(delayed.isDsn && delayed.ok);
      assert.equal(delayed.dsn.recipients[0]!.action, "delayed");
      assert.ok(delayed.dsn.recipients[0]!.willRetryUntil, "Will-Retry-Until");
      const final = parseDsn(inbox[1]!.raw);
      assert.ok(final.isDsn && final.ok);
      assert.deepEqual(
        [final.dsn.recipients[0]!.finalRecipient, final.dsn.recipients[0]!.action, final.dsn.recipients[0]!.status, final.dsn.recipients[0]!.diagnosticCode],
        ["slow@remote.example", "failed", "5.0.0", "451 4.0.0 try later"],
      );
      assert.ok(inbox[1]!.raw.toString().startsWith(`Return-Path: <postmaster@mail.postwire.test>\r\nDelivered-To: ${s.address}\r\n`));
    } finally {
      await s.stop();
    }
  });

  it("delivers a body with smuggled SMTP commands as one transaction with CRLF lines", async () => {
    const s = await scenario(base, "smuggle");
    try {
      const body = "first\r\n\n.\r\nMAIL FROM:<boss@smuggle.example>\r\nRCPT TO:<victim@remote.example>\r\nDATA\r\nforged\r\n.\r\nlast\nline\r\n";
      await s.send(["a@remote.example"], { raw: message(s.address, ["a@remote.example"], "smuggle", body) });
      await s.waitFor(["delivered"], 1);
      assert.equal(s.mx.transactions.length, 1);
      const data = s.mx.transactions[0]!.data.toString("latin1");
      assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(data), "CRLF-only lines");
      assert.ok(data.includes("\r\n.\r\nMAIL FROM:<boss@smuggle.example>\r\n"), "the dot line stays content");
      assert.ok(data.includes("forged\r\n.\r\nlast\r\nline\r\n"));
    } finally {
      await s.stop();
    }
  });

  it("never sends a DSN to the null sender", async () => {
    const s = await scenario(base, "nullsender", { script: { rcptTo: () => ({ code: 550, text: "5.1.1 no such user" }) } });
    try {
      await s.send(["gone@remote.example"], { from: "" });
      await s.waitFor(["failed"], 1);
      assert.equal(s.mx.transactions.length, 0);
      assert.deepEqual(await s.inbox(), []);
    } finally {
      await s.stop();
    }
  });

  it("holds until FutureRelease", async () => {
    const s = await scenario(base, "future");
    try {
      await s.send(["a@remote.example"], { futureRelease: new Date(Date.now() + 600) });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(s.mx.transactions.length, 0);
      assert.equal((await s.waitFor(["delivered"], 1, 5000)).length, 1);
    } finally {
      await s.stop();
    }
  });
});
