// Issue 5's "done when", against a real `postwire localserve` child process: smtplib mail
// reaches --incoming-webhook as a verified mox Incoming; a webapi Send to failure-simulating
// recipients produces the Outgoing events with their codes; a receiver down for the whole
// schedule (scaled by --time-scale) sees 12 attempts, the webhook is listed as failed and can
// be redelivered.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { generateSecret } from "../../src/webhooks/index.js";
import { startReceiver, type ReceivedRequest, type Receiver } from "../../src/webhooks/test-receiver.js";
import { startLocalserveProc, type ServerProc } from "../helpers/proc.js";
import { smtplibSend } from "../helpers/smtp-client.js";

describe("webhooks in localserve", () => {
  let p: ServerProc;
  let rx: Receiver;
  let status = 200;
  const secret = generateSecret();

  before(async () => {
    rx = await startReceiver((_req, res) => {
      res.writeHead(status);
      res.end();
    });
    p = await startLocalserveProc({
      args: ["--incoming-webhook", rx.url("/in"), "--outgoing-webhook", rx.url("/out"), "--webhook-secret", secret, "--time-scale", "10000"],
    });
  });
  after(async () => {
    await p.cleanup();
    await rx.close();
  });

  const api = async (method: string, request: unknown) => {
    const r = await fetch(`http://127.0.0.1:${p.ports.http}/webapi/v0/${method}`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from("mox@localhost:moxmoxmox").toString("base64")}`, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: JSON.stringify(request) }),
    });
    const json = (await r.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(r.status, 200, `${method}: ${JSON.stringify(json)}`);
    return json;
  };
  const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const bodies = (path: string, pred: (j: Record<string, any>) => boolean = () => true) => // eslint-disable-line @typescript-eslint/no-explicit-any
    rx.requests.filter((r) => r.path === path).map((r) => ({ r, j: JSON.parse(r.body.toString()) })).filter((x) => pred(x.j));
  const verify = (r: ReceivedRequest) => new Webhook(secret).verify(r.body.toString(), r.headers as Record<string, string>);

  it("posts a verified mox Incoming for a message sent with smtplib", async () => {
    const msg = "From: app@example.com\r\nTo: you@localhost\r\nSubject: hook me\r\nMessage-ID: <hook1@example.com>\r\n\r\nhello\r\n";
    const r = await smtplibSend({ port: p.ports.smtp, from: "app@example.com", to: ["you@localhost"], message: msg });
    assert.equal(r.status, 0, r.out);
    await until(() => bodies("/in", (j) => j.Subject === "hook me").length === 1, "the incoming webhook");
    const { r: req, j } = bodies("/in", (j) => j.Subject === "hook me")[0]!;
    verify(req);
    assert.deepEqual(Object.keys(j), ["Version", "From", "To", "CC", "BCC", "ReplyTo", "Subject", "MessageID", "InReplyTo", "References", "Date", "Text", "HTML", "Structure", "Meta"]);
    assert.deepEqual([j.MessageID, j.Text, j.CC, j.Meta.MailFrom, j.Meta.RcptTo], ["<hook1@example.com>", "hello\n", [], "app@example.com", "you@localhost"]);
    assert.equal(req.headers["x-mox-webhook-attempt"], "1");
  });

  it("posts Outgoing events with the simulated failures' codes for a webapi Send", async () => {
    const sent = await api("Send", { To: [{ Address: "ok@example.org" }, { Address: "rcpttopermerror@example.org" }, { Address: "rcptto+451-250@example.org" }], Subject: "outgoing", Text: "hi\n" });
    const ids = sent.Submissions.map((s: { QueueMsgID: number }) => s.QueueMsgID) as number[];
    const event = (id: number, name: string) => bodies("/out", (j) => j.QueueMsgID === id && j.Event === name);
    await until(() => event(ids[0]!, "delivered").length === 1 && event(ids[1]!, "failed").length === 1 && event(ids[2]!, "delivered").length === 1, "the outgoing events");
    const failed = event(ids[1]!, "failed")[0]!;
    verify(failed.r);
    assert.deepEqual([failed.j.SMTPCode, failed.j.SMTPEnhancedCode, failed.j.DSN], [550, "5.0.0", false]);
    assert.equal(event(ids[0]!, "delivered")[0]!.j.SMTPCode, 250);
    assert.ok(bodies("/out").every((x) => x.j.Event !== "queued"), "queued is not sent by default");
    // Every outgoing body names its recipient and MAIL FROM (Postwire's extension fields).
    const rcpts = ["ok@example.org", "rcpttopermerror@example.org", "rcptto+451-250@example.org"];
    for (const [i, id] of ids.entries()) {
      for (const { j } of bodies("/out", (j) => j.QueueMsgID === id)) {
        assert.deepEqual([j.Recipient, j.MailFrom], [rcpts[i], "mox@localhost"]);
        assert.deepEqual(Object.keys(j).slice(-3), ["Extra", "Recipient", "MailFrom"]);
      }
    }
  });

  it("behaves as mox localserve: no From name by default, mailfrom-prefixed recipients fail, dates keep their zone", async () => {
    // Send without From: the login address with an empty display name (mox's localserve account has no full name).
    // Two Sends: one SMTP transaction's DATA answers for all its recipients.
    const okId = (await api("Send", { To: [{ Address: "plain@example.org" }], Subject: "parity", Text: "hi\n" })).Submissions[0].QueueMsgID as number;
    const failId = (await api("Send", { To: [{ Address: "mailfromx550@example.org" }], Subject: "parity 2", Text: "hi\n" })).Submissions[0].QueueMsgID as number;
    const event = (id: number, name: string) => bodies("/out", (j) => j.QueueMsgID === id && j.Event === name);
    await until(() => event(okId, "delivered").length === 1 && event(failId, "failed").length === 1, "the outgoing events");
    // mox checks every recipient's suffix at DATA: a localpart starting with "mailfrom" is not delivered.
    assert.deepEqual([event(failId, "failed")[0]!.j.SMTPCode, event(failId, "failed")[0]!.j.SMTPEnhancedCode], [550, "5.0.0"]);
    const wait = await api("MessageWait", { Address: "plain@example.org", Subject: "parity", Timeout: 30 });
    const got = await api("MessageGet", { MsgID: wait.Message.MsgID });
    assert.deepEqual(got.Message.From, [{ Name: "", Address: "mox@localhost" }]);
    // An incoming message dated +0200 keeps that offset in the webhook and in MessageGet.
    const msg = "From: app@example.com\r\nTo: you@localhost\r\nSubject: zoned\r\nDate: Wed, 27 Mar 2024 02:00:00 +0200\r\n\r\nhello\r\n";
    assert.equal((await smtplibSend({ port: p.ports.smtp, from: "app@example.com", to: ["you@localhost"], message: msg })).status, 0);
    await until(() => bodies("/in", (j) => j.Subject === "zoned").length === 1, "the incoming webhook");
    const incoming = bodies("/in", (j) => j.Subject === "zoned")[0]!.j;
    assert.equal(incoming.Date, "2024-03-27T02:00:00+02:00");
    assert.equal((await api("MessageGet", { MsgID: incoming.Meta.MsgID })).Message.Date, "2024-03-27T02:00:00+02:00");
  });

  it("cancels a scheduled message: a verified canceled webhook naming the recipient; QueueGet shows a delivery's timeline", async () => {
    const release = new Date(Date.now() + 86_400_000).toISOString();
    const sent = await api("Send", { To: [{ Address: "later@example.org" }], Subject: "cancel me", Text: "hi\n", FutureRelease: release });
    const id = sent.Submissions[0].QueueMsgID as number;
    const listed = await api("QueueList", { State: "scheduled", Address: "later@example.org" });
    assert.deepEqual(listed.Messages.map((m: { QueueMsgID: number }) => m.QueueMsgID), [id]);
    await api("QueueCancel", { QueueMsgID: id });
    await until(() => bodies("/out", (j) => j.QueueMsgID === id && j.Event === "canceled").length === 1, "the canceled webhook");
    const { r, j } = bodies("/out", (j) => j.QueueMsgID === id && j.Event === "canceled")[0]!;
    const verified = verify(r) as Record<string, unknown>;
    assert.deepEqual([verified.Event, verified.Recipient, verified.MailFrom], ["canceled", "later@example.org", "mox@localhost"]);
    assert.equal(j.Error, "delivery canceled by sender");

    // The delivered message of the previous test: one attempt against localserve's loopback MX.
    const delivered = bodies("/out", (j) => j.Recipient === "ok@example.org" && j.Event === "delivered")[0]!.j;
    const got = await api("QueueGet", { QueueMsgID: delivered.QueueMsgID });
    assert.equal(got.Message.State, "delivered");
    assert.equal(got.Attempts.length, 1);
    assert.equal(got.Attempts[0].SMTPCode, 250);
    assert.equal(got.Attempts[0].Success, true);
    assert.notEqual(got.Attempts[0].RemoteHost, "");
    assert.ok(got.Webhooks.some((w: { Event: string; Status: string }) => w.Event === "delivered"), JSON.stringify(got.Webhooks));
  });

  it("makes 12 attempts to a receiver that is down for the whole schedule, lists it as failed, then redelivers it", async () => {
    status = 503;
    const before = rx.requests.length;
    const msg = "From: app@example.com\r\nTo: down@localhost\r\nSubject: down\r\n\r\nhello\r\n";
    assert.equal((await smtplibSend({ port: p.ports.smtp, from: "app@example.com", to: ["down@localhost"], message: msg })).status, 0);
    const attempts = () => bodies("/in", (j) => j.Subject === "down");
    await until(async () => (await api("WebhookList", { Status: "failed", Kind: "incoming" })).Webhooks.length === 1, "failed after the schedule", 120_000);
    assert.equal(attempts().length, 12);
    assert.deepEqual(attempts().map((x) => x.r.headers["x-mox-webhook-attempt"]), Array.from({ length: 12 }, (_, i) => String(i + 1)));
    assert.ok(rx.requests.length - before >= 12);
    const [w] = (await api("WebhookList", { Status: "failed", Kind: "incoming" })).Webhooks;
    status = 200;
    const re = (await api("WebhookRedeliver", { ID: w.ID })).Webhook;
    await until(async () => (await api("WebhookGet", { ID: re.ID })).Status === "delivered", "the redelivery");
    const last = attempts().at(-1)!;
    assert.equal(last.r.headers["webhook-id"], w.WebhookID);
    verify(last.r);
  });
});
