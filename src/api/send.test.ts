// mox webapisrv TestServer, Send part: the full Send with every field and the Sent copy read
// back through the message methods, the multipart/form-data Send with uploads and FromID, and
// Send's errors in mox's check order (docs/contract.md §1.3–1.6, §6).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { formatGoTime } from "../events/index.js";
import { parseMessage } from "../message/index.js";
import { basic, pw0, pw1, startApiEnv, toRes, type ApiEnv } from "./test-env.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("webapi Send", () => {
  let env: ApiEnv;
  before(async () => (env = await startApiEnv()));
  after(async () => env.close());

  it("sends with every field, queues To, CC, BCC in order and reads the Sent copy back", async () => {
    const now = new Date(env.clock.now());
    const sendReq = {
      From: [{ Name: "møx", Address: "mjl@mox.example" }],
      To: [{ Name: "móx", Address: "mjl+to@mox.example" }, { Name: "", Address: "mjl+to2@mox.example" }],
      CC: [{ Name: "möx", Address: "mjl+cc@mox.example" }],
      BCC: [{ Name: "møx", Address: "mjl+bcc@mox.example" }],
      ReplyTo: [{ Name: "reply1", Address: "mox+reply1@mox.example" }, { Name: "reply2", Address: "mox+reply2@mox.example" }],
      MessageID: "<random@localhost>",
      References: ["<messageid0@localhost>", "<messageid1@localhost>"],
      Date: formatGoTime(now),
      Subject: "¡hello world!",
      Text: "hi ☺\n",
      HTML: `<html><img src="cid:x" /></html>`,
      Extra: { a: "123" },
      Headers: [["x-custom", "header"]],
      AlternativeFiles: [{ Name: "x.ics", ContentType: "text/calendar", Data: b64("ics data...") }],
      InlineFiles: [{ Name: "x.png", ContentType: "image/png", ContentID: "<x>", Data: b64("png data") }],
      AttachedFiles: [{ Data: b64("%PDF-") }],
      RequireTLS: true,
      FutureRelease: formatGoTime(now),
      SaveSent: true,
    };
    const r = await env.post("Send", sendReq, { password: pw0 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get("content-type"), "application/json; charset=utf-8");
    assert.deepEqual(Object.keys(r.json), ["MessageID", "Submissions"]);
    assert.equal(r.json.MessageID, "<random@localhost>");
    const subs = r.json.Submissions as { Address: string; QueueMsgID: number; FromID: string }[];
    assert.deepEqual(subs.map((s) => s.Address), ["mjl+to@mox.example", "mjl+to2@mox.example", "mjl+cc@mox.example", "mjl+bcc@mox.example"]);
    assert.deepEqual(subs.map((s) => s.QueueMsgID - subs[0]!.QueueMsgID), [0, 1, 2, 3]);
    assert.ok(subs.every((s) => s.FromID === ""));

    const queued = await env.delivery.admin.list({ ids: subs.map((s) => s.QueueMsgID) });
    assert.equal(queued.length, 4);
    for (const q of queued) {
      assert.equal(q.mailFrom, "mjl@mox.example");
      assert.deepEqual(q.extra, { a: "123" });
      assert.equal(q.requireTls, true);
      assert.equal(q.messageId, "<random@localhost>");
    }

    // The Sent copy, found through the MessageList extension.
    const list = await env.post("MessageList", { Mailbox: "Sent" }, { password: pw0 });
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.Messages.length, 1);
    const id = list.json.Messages[0].MsgID as number;

    const get = await env.post("MessageGet", { MsgID: id }, { password: pw0 });
    assert.equal(get.status, 200, get.text);
    const { Date: date, ...msg } = get.json.Message;
    const { Date: _d, SaveSent: _s, Extra: _e, Headers: _h, AlternativeFiles: _a, InlineFiles: _i, AttachedFiles: _f, RequireTLS: _r, FutureRelease: _fr, ...sent } = sendReq;
    assert.deepEqual(msg, { ...sent, HTML: sendReq.HTML + "\n" });
    assert.equal(Math.floor(Date.parse(date) / 1000), Math.floor(now.getTime() / 1000));
    // mixed(related(alternative(text, html, ics), png), pdf)
    const st = get.json.Structure;
    assert.equal(st.ContentType, "multipart/mixed");
    assert.equal(st.Parts[1].ContentType, "application/pdf");
    assert.equal(st.Parts[0].ContentType, "multipart/related");
    assert.deepEqual(st.Parts[0].Parts[0].Parts.map((p: { ContentType: string }) => p.ContentType), ["text/plain", "text/html", "text/calendar"]);
    assert.equal(st.Parts[0].Parts[1].ContentID, "<x>");
    assert.deepEqual(Object.keys(get.json.Meta), ["Size", "DSN", "Flags", "MailFrom", "MailFromValidated", "RcptTo", "MsgFrom", "MsgFromValidated", "DKIMVerifiedDomains", "RemoteIP", "MailboxName"]);
    assert.deepEqual(get.json.Meta.Flags, ["$notjunk", "\\seen"]);
    assert.equal(get.json.Meta.MailboxName, "Sent");
    assert.deepEqual(get.json.Meta.DKIMVerifiedDomains, []);

    // MessageRawGet: the stored bytes, which parse to the same Structure.
    const raw = await env.fetch("/webapi/v0/MessageRawGet", rawReq({ MsgID: id }));
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get("content-type"), "text/plain");
    const bytes = Buffer.from(await raw.arrayBuffer());
    assert.ok(bytes.toString().startsWith("Bcc: "), "Sent copy starts with its Bcc header");
    const reparsed = await parseMessage(bytes);
    assert.ok(reparsed.ok);
    assert.deepEqual(JSON.parse(JSON.stringify(reparsed.Structure)), st);

    // MessagePartGet: the HTML part with CRLF, the whole body, out of range.
    const html = await env.fetch("/webapi/v0/MessagePartGet", rawReq({ MsgID: id, PartPath: [0, 0, 1] }));
    assert.equal(html.status, 200);
    assert.equal(await html.text(), sendReq.HTML + "\r\n");
    assert.equal(html.headers.get("content-type"), "text/html; charset=utf-8");
    const whole = await env.fetch("/webapi/v0/MessagePartGet", rawReq({ MsgID: id, PartPath: [] }));
    assert.equal(whole.status, 200);
    assert.ok(bytes.toString().endsWith(await whole.text()));
    const missing = await toRes(await env.fetch("/webapi/v0/MessagePartGet", rawReq({ MsgID: id, PartPath: [2] })));
    assert.equal(missing.json.Code, "partNotFound");
  });

  it("sends a multipart/form-data request with uploads and a FromID login", async () => {
    const request = JSON.stringify({ To: [{ Address: "møx@mox.example" }], Subject: "test", Text: "hi", Headers: [["User-Agent", "test"]], SaveSent: true });
    const boundary = "----postwire-test-boundary";
    const body = multipartBody(boundary, request);
    const r = await toRes(
      await env.fetch("/webapi/v0/Send", {
        method: "POST",
        headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, Authorization: basic("mjl+fromid@mox.example", pw1) },
        body,
      }),
    );
    assert.equal(r.status, 200, r.text);
    assert.match(r.json.MessageID, /^<[A-Za-z0-9_-]{22}@mox\.example>$/);
    assert.equal(r.json.Submissions.length, 1);
    const sub = r.json.Submissions[0];
    assert.equal(sub.Address, "møx@mox.example");
    assert.match(sub.FromID, /^[A-Za-z0-9_-]{22}$/);
    const [q] = await env.delivery.admin.list({ ids: [sub.QueueMsgID] });
    assert.equal(q!.mailFrom, `mjl+${sub.FromID}@mox.example`);

    const list = await env.post("MessageList", { Mailbox: "Sent", Limit: 1 }, { password: pw0 });
    const get = await env.post("MessageGet", { MsgID: list.json.Messages[0].MsgID }, { password: pw0 });
    const st = get.json.Structure;
    assert.equal(st.ContentType, "multipart/mixed");
    const related = st.Parts[0];
    assert.equal(related.ContentType, "multipart/related");
    assert.deepEqual(related.Parts[0].Parts.map((p: { ContentType: string }) => p.ContentType), ["text/plain", "text/calendar"]);
    assert.deepEqual(related.Parts.slice(1).map((p: { Filename: string; ContentType: string; ContentDisposition: string }) => [p.Filename, p.ContentType, p.ContentDisposition]), [
      ["test.pdf", "application/octet-stream", "inline"], // the part's own Content-Type is kept
      ["test2.pdf", "application/pdf", "inline"], // no Content-Type: sniffed
    ]);
    const attached = st.Parts[1];
    assert.deepEqual([attached.Filename, attached.ContentType, attached.ContentID, attached.ContentDisposition], ["test.pdf", "application/pdf", "<testpdf>", "attachment"]);
    const raw = await (await env.fetch("/webapi/v0/MessageRawGet", rawReq({ MsgID: list.json.Messages[0].MsgID }))).text();
    assert.match(raw, /^User-Agent: test\r$/m);
    assert.doesNotMatch(raw, /postwire\//);
  });

  it("refuses bad sends with mox's codes, in mox's order", async () => {
    const to = [{ Address: "mjl@mox.example" }];
    const cases: [string, Record<string, unknown>][] = [
      ["missingBody", { To: to, Subject: "test" }],
      ["missingBody", { From: [{ Address: "bad address" }], Subject: "x" }],
      ["badFrom", { From: [{ Address: "other@mox.example" }], To: to, Text: "hi" }],
      ["badFrom", { From: [{ Address: "other@other.example" }], To: to, Text: "hi" }],
      ["multipleFrom", { From: [{ Address: "mox@mox.example" }, { Address: "mox@mox.example" }], To: to, Text: "hi" }],
      ["noRecipients", { Subject: "test", Text: "hi" }],
      ["malformedMessageID", { MessageID: "missingltgt@localhost", To: [{ Address: "møx@mox.example" }], Text: "hi" }],
      ["domainDisabled", { From: [{ Address: "mjl@disabled.example" }], To: to, Text: "hi" }],
      ["badAddress", { To: [{ Address: "not an address" }], Text: "hi" }],
      ["badAddress", { From: [{ Address: "@x" }], Text: "hi" }],
      ["badAddress", { To: to, ReplyTo: [{ Address: "bad reply" }], Text: "hi" }],
      ["user", { To: to, Subject: "a\nb", Text: "hi" }],
      ["user", { To: to, Text: "hi", AttachedFiles: [{ Data: "not base64!" }] }],
      // mox v0.0.17: control characters (CR, LF) in a file's Content-Type or Content-ID are refused.
      ["user", { To: to, Text: "hi", AttachedFiles: [{ ContentType: "text/plain\r\nX-Injected: 1", Data: "aGk=" }] }],
      ["user", { To: to, Text: "hi", InlineFiles: [{ ContentID: "<a@x>\nBcc: victim@example.org", Data: "aGk=" }] }],
      ["user", { To: to, Text: "hi", AlternativeFiles: [{ ContentType: "text/calendar\r", Data: "aGk=" }] }],
      ["user", { To: to, Text: "hi", FutureRelease: formatGoTime(new Date(env.clock.now() + 61 * 86400_000)) }],
    ];
    for (const [code, req] of cases) {
      const r = await env.post("Send", req, { password: pw0 });
      assert.equal(r.status, 400, `${code}: ${r.text}`);
      assert.equal(r.json.Code, code, `${JSON.stringify(req)}: ${r.text}`);
    }
    // 60 days ahead is still allowed; a past time is accepted.
    for (const ms of [60 * 86400_000 - 60_000, -3600_000]) {
      const ok = await env.post("Send", { To: to, Text: "hi", FutureRelease: formatGoTime(new Date(env.clock.now() + ms)) }, { password: pw0 });
      assert.equal(ok.status, 200, ok.text);
    }
  });

  it("enforces the account's daily message limit with messageLimitReached", async () => {
    const fresh = await startApiEnv();
    try {
      await fresh.t.database.db.transaction(async (tx) => {
        const { ensureAccount } = await import("../store/index.js");
        await ensureAccount(tx, { name: "mjl", addresses: ["mjl@mox.example"], settings: { maxOutgoingMessagesPerDay: 1, fromIdLoginAddresses: [] } });
      });
      const req = { To: [{ Address: "x@example.org" }], Text: "hi" };
      assert.equal((await fresh.post("Send", req, { password: pw0 })).status, 200);
      const r = await fresh.post("Send", req, { password: pw0 });
      assert.equal(r.json?.Code, "messageLimitReached", r.text);
    } finally {
      await fresh.close();
    }
  });
});

function rawReq(req: unknown): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: basic("mjl@mox.example", pw0) },
    body: new URLSearchParams({ request: JSON.stringify(req) }).toString(),
  };
}

// The multipart body of mox's test: request, an alternative file, two inline PDFs and an
// attached PDF with its own Content-ID header.
function multipartBody(boundary: string, request: string): Buffer {
  const part = (headers: string[], data: string) => `--${boundary}\r\n${headers.join("\r\n")}\r\n\r\n${data}\r\n`;
  return Buffer.from(
    part(['Content-Disposition: form-data; name="request"'], request) +
      part(['Content-Disposition: form-data; name="alternativefile"; filename="test.ics"', "Content-Type: text/calendar"], "ICS...") +
      part(['Content-Disposition: form-data; name="inlinefile"; filename="test.pdf"', "Content-Type: application/octet-stream"], "%PDF-") +
      part(['Content-Disposition: form-data; name="inlinefile"; filename="dir/test2.pdf"'], "%PDF-") +
      part(['Content-Disposition: form-data; name="attachedfile"; filename="test.pdf"', "Content-ID: <testpdf>"], "%PDF-") +
      `--${boundary}--\r\n`,
  );
}
