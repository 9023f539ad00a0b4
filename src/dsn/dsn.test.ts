import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { getPart, hasBareCrOrLf, readHeaderFields } from "../message/index.js";
import { parseRaw } from "../message/parse.js";
import { DsnError, composeDsn, incomingDsnOutcome, parseDsn, type DsnComposeRequest, type DsnParseResult } from "./index.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url));
const original = Buffer.from("From: mjl@postwire.test\r\nTo: nobody@remote.example\r\nSubject: hello\r\nMessage-Id: <orig-1@postwire.test>\r\n\r\nbody text\r\n");

const base: DsnComposeRequest = {
  kind: "failed",
  hostname: "mail.postwire.test",
  to: "mjl@postwire.test",
  originalHeaders: original,
  originalMessageId: "<orig-1@postwire.test>",
  arrivalDate: new Date("2025-01-20T10:00:00Z"),
  recipients: [
    {
      address: "nobody@remote.example",
      action: "failed",
      status: "5.1.1",
      statusComment: "remote error (rejected)",
      diagnosticCode: "550 5.1.1 no such user",
      remoteMta: { name: "mx.remote.example", ip: "192.0.2.1" },
      lastAttempt: new Date("2025-01-20T10:05:00Z"),
    },
  ],
  now: () => new Date("2025-01-20T10:05:01Z"),
};

function parsedOk(r: DsnParseResult) {
  if (!r.isDsn || !r.ok) assert.fail(JSON.stringify(r));
  return r.dsn;
}

describe("composeDsn", () => {
  test("failure DSN: mox headers, three parts, original headers only", async () => {
    const raw = composeDsn(base);
    assert.equal(hasBareCrOrLf(raw), false);
    const headers = Object.fromEntries(readHeaderFields(raw).fields);
    assert.equal(headers["From"], "<postmaster@mail.postwire.test>");
    assert.equal(headers["To"], "<mjl@postwire.test>");
    assert.equal(headers["Subject"], "mail delivery failed");
    assert.equal(headers["References"], "<orig-1@postwire.test>");
    assert.match(headers["Message-Id"]!, /^<[A-Za-z0-9_-]{22}@mail\.postwire\.test>$/);
    const m = await parseRaw(raw, false);
    assert.ok(m.ok);
    assert.deepEqual(m.Structure.Parts.map((p) => p.ContentType), ["text/plain", "message/delivery-status", "text/rfc822-headers"]);
    assert.equal(m.Structure.ContentTypeParams["report-type"], "delivery-status");
    assert.equal(m.Automated, true);
    assert.match(m.Text, /^\nDelivery has failed permanently for your email to:\n\n\tnobody@remote.example\n\nNo further deliveries will be attempted.\n/);
    assert.match(m.Text, /\nFull SMTP response:\n\n\t550 5.1.1 no such user\n$/);
    const status = getPart(raw, [1])!.toString();
    assert.match(status, /^Reporting-MTA: dns; mail.postwire.test\r\nArrival-Date: 20 Jan 2025 /);
    assert.match(status, /\r\n\r\nFinal-Recipient: rfc822; nobody@remote.example\r\nAction: failed\r\nStatus: 5.1.1 \(remote error \[rejected\]\)\r\n/);
    assert.match(status, /Remote-MTA: dns; mx.remote.example \(192.0.2.1\)\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\nLast-Attempt-Date: /);
    assert.equal(getPart(raw, [2])!.toString(), "From: mjl@postwire.test\r\nTo: nobody@remote.example\r\nSubject: hello\r\nMessage-Id: <orig-1@postwire.test>\r\n");
  });

  test("compose → parse round trip", () => {
    const dsn = parsedOk(parseDsn(composeDsn(base)));
    assert.equal(dsn.reportingMta, "mail.postwire.test");
    assert.equal(dsn.arrivalDate?.getTime(), Date.parse("2025-01-20T10:00:00Z"));
    assert.equal(dsn.recipients.length, 1);
    const r = dsn.recipients[0]!;
    assert.equal(r.finalRecipient, "nobody@remote.example");
    assert.equal(r.action, "failed");
    assert.equal(r.status, "5.1.1");
    assert.equal(r.diagnosticCode, "550 5.1.1 no such user");
    assert.equal(r.remoteMta, "mx.remote.example");
    assert.equal(r.smtpCode, 550);
    assert.equal(r.enhancedCode, "5.1.1");
    assert.equal(r.lastAttemptDate?.getTime(), Date.parse("2025-01-20T10:05:00Z"));
  });

  test("delayed DSN states the real retry deadline, not mox's 4/8/16 hours", async () => {
    const until = new Date("2025-01-21T14:05:00Z");
    const raw = composeDsn({ ...base, kind: "delayed", recipients: [{ address: "slow@remote.example", action: "delayed", status: "4.4.1", diagnosticCode: "451 4.4.1 try later", willRetryUntil: until }] });
    const m = await parseRaw(raw, false);
    assert.ok(m.ok);
    assert.equal(m.Subject, "mail delivery delayed");
    assert.match(m.Text, /Delivery has been delayed of your email to:\n\n\tslow@remote.example\n\nFurther delivery attempts will be made until \d{1,2} Jan 2025 /);
    const r = parsedOk(parseDsn(raw)).recipients[0]!;
    assert.equal(r.action, "delayed");
    assert.equal(r.willRetryUntil?.getTime(), until.getTime());
    assert.deepEqual([r.smtpCode, r.enhancedCode], [451, "4.4.1"]);
  });

  test("SMTPUTF8 originals get a global DSN with UTF-8 addresses and headers", async () => {
    const raw = composeDsn({ ...base, smtpUtf8: true, to: "jörg@☺.localhost", originalHeaders: Buffer.from("Subject: Grüße\r\n\r\n"), recipients: [{ address: "zoë@☺.localhost", action: "failed" }] });
    const m = await parseRaw(raw, false);
    assert.ok(m.ok);
    assert.deepEqual(m.Structure.Parts.map((p) => p.ContentType), ["text/plain", "message/global-delivery-status", "message/global-headers"]);
    const dsn = parsedOk(parseDsn(raw));
    assert.equal(dsn.utf8, true);
    assert.equal(dsn.recipients[0]!.finalRecipient, "zoë@☺.localhost");
    assert.deepEqual([dsn.recipients[0]!.status, dsn.recipients[0]!.smtpCode, dsn.recipients[0]!.enhancedCode], ["5.0.0", 500, "5.0.0"]);
  });

  test("8-bit original headers in a non-global DSN are base64 with charset utf-8", () => {
    const raw = composeDsn({ ...base, originalHeaders: Buffer.from("Subject: Grüße\r\n\r\nbody") });
    assert.equal(getPart(raw, [2])!.toString("utf8"), "Subject: Grüße\r\n");
    assert.match(raw.toString(), /Content-Type: text\/rfc822-headers; charset=utf-8\r\nContent-Transfer-Encoding: base64/);
  });

  test("hostile remote replies cannot inject fields or lines", () => {
    const raw = composeDsn({ ...base, recipients: [{ ...base.recipients[0]!, diagnosticCode: `550 bad\r\nAction: delivered\r\n\r\nX: ${"y ".repeat(100)}` }] });
    assert.equal(hasBareCrOrLf(raw), false);
    const r = parsedOk(parseDsn(raw)).recipients[0]!;
    assert.equal(r.action, "failed");
    assert.match(r.diagnosticCode, /^550 bad Action: delivered X: y y/);
    assert.ok(raw.toString().split("\r\n").every((l) => l.length <= 998));
  });

  test("refuses empty recipients and bad addresses", () => {
    assert.throws(() => composeDsn({ ...base, recipients: [] }), (e: unknown) => e instanceof DsnError && e.code === "noRecipients");
    assert.throws(() => composeDsn({ ...base, to: "not an address" }), (e: unknown) => e instanceof DsnError && e.code === "badAddress");
  });
});

describe("parseDsn", () => {
  test("Postfix bounce fixture", () => {
    const dsn = parsedOk(parseDsn(fixture("postfix-bounce.eml")));
    assert.equal(dsn.reportingMta, "mx.remote.example");
    const r = dsn.recipients[0]!;
    assert.equal(r.finalRecipient, "nobody@remote.example");
    assert.equal(r.originalRecipient, "nobody@remote.example");
    assert.equal(r.diagnosticCode, "550 5.1.1 <nobody@remote.example>: Recipient address rejected: User unknown");
    assert.deepEqual([r.smtpCode, r.enhancedCode], [550, "5.1.1"]);
    assert.deepEqual(incomingDsnOutcome(parseDsn(fixture("postfix-bounce.eml"))), { event: "failed", dsn: true, smtpCode: 550, enhancedCode: "5.1.1", error: "" });
  });

  const report = (status: string, extra = ""): Buffer =>
    Buffer.from(
      [
        "Content-Type: multipart/report; report-type=delivery-status; boundary=r",
        "",
        "--r",
        "",
        "human",
        "--r",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example",
        "",
        "Final-Recipient: rfc822; a@b.example",
        `Action: ${status.split("|")[0]}`,
        `Status: ${status.split("|")[1]}`,
        ...(extra ? [extra] : []),
        "--r--",
        "",
      ].join("\r\n"),
    );

  test("codes from the diagnostic, else from the Status class (mox §2.9)", () => {
    const code = (raw: Buffer): [number, string] => {
      const r = parsedOk(parseDsn(raw)).recipients[0]!;
      return [r.smtpCode, r.enhancedCode];
    };
    assert.deepEqual(code(report("failed|5.0.0", "Diagnostic-Code: smtp; 554 5.0.0 error")), [554, "5.0.0"]);
    assert.deepEqual(code(report("failed|5.1.1", "Diagnostic-Code: smtp; 550-5.1.1 The email account does not exist")), [550, "5.1.1"]);
    assert.deepEqual(code(report("failed|5.7.1 (policy)")), [500, "5.7.1"]);
    assert.deepEqual(code(report("delayed|4.4.7")), [400, "4.4.7"]);
    assert.deepEqual(code(report("delivered|2.0.0")), [0, ""]);
    assert.deepEqual(code(report("failed|5.1.1", "Diagnostic-Code: X-Unix; 67")), [500, "5.1.1"]);
  });

  test("outcomes: actions, unknown actions, multiple recipients, non-DSNs", () => {
    assert.equal(incomingDsnOutcome(parseDsn(report("Delivered|2.0.0"))).event, "delivered");
    assert.equal(incomingDsnOutcome(parseDsn(report("relayed|2.0.0"))).event, "relayed");
    const odd = incomingDsnOutcome(parseDsn(report("bounced|5.0.0")));
    assert.deepEqual([odd.event, odd.dsn], ["unrecognized", true]);
    const two = report("failed|5.0.0", "\r\nFinal-Recipient: rfc822; c@d.example\r\nAction: failed\r\nStatus: 5.0.0");
    assert.equal(incomingDsnOutcome(parseDsn(two)).error, "incoming dsn has 2 recipients, expecting 1");
    const plain = Buffer.from("From: MAILER-DAEMON@x\r\nSubject: Mail delivery failed\r\n\r\nThis message was created automatically.\r\n");
    assert.deepEqual(incomingDsnOutcome(parseDsn(plain)), { event: "unrecognized", dsn: false, smtpCode: 0, enhancedCode: "", error: "incoming message not a dsn" });
    const noMta = Buffer.from(report("failed|5.0.0").toString().replace("Reporting-MTA: dns; mx.example", "X-Other: 1"));
    const r = parseDsn(noMta);
    assert.ok(r.isDsn && !r.ok);
    assert.equal(incomingDsnOutcome(r).dsn, true);
  });

  test("bounded on hostile input", () => {
    const many = Array.from({ length: 2000 }, (_, i) => `\r\nFinal-Recipient: rfc822; a${i}@b.example\r\nAction: failed\r\nStatus: 5.0.0`).join("\r\n");
    const r = parseDsn(report("failed|5.0.0", many));
    assert.ok(r.isDsn && !r.ok && /more than 1000 recipients/.test(r.error));
    const t0 = performance.now();
    const big = parseDsn(report("failed|5.0.0", `X-Pad: ${"x".repeat(2 << 20)}`));
    assert.ok(big.isDsn && !big.ok);
    assert.ok(performance.now() - t0 < 2000);
  });
});
