import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ComposeError, composeMessage, getPart, hasBareCrOrLf, readHeaderFields, type ComposeRequest } from "./index.js";
import { parseRaw } from "./parse.js";
import type { ParsedMessage, Structure } from "./types.js";

const opts = { hostname: "mail.postwire.test", now: () => new Date("2025-01-20T10:00:00Z") };
const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001", "hex");

async function parsed(raw: Buffer): Promise<ParsedMessage> {
  const r = await parseRaw(raw, false);
  if (!r.ok) assert.fail(r.error.message);
  return r;
}

const shape = (s: Structure): unknown => (s.Parts.length === 0 ? s.ContentType : { [s.ContentType]: s.Parts.map(shape) });
const headerNames = (raw: Buffer): string[] => readHeaderFields(raw).fields.map(([k]) => k);

function compose(req: Partial<ComposeRequest>): ReturnType<typeof composeMessage> {
  return composeMessage({ From: { Name: "Mjl", Address: "mjl@postwire.test" }, To: [{ Name: "", Address: "rcpt@remote.test" }], Text: "hi", ...req }, opts);
}

describe("composeMessage layout", () => {
  test("text only: single part, 7bit us-ascii, headers in mox order", () => {
    const m = compose({ Subject: "s", ReplyTo: [{ Name: "", Address: "r@postwire.test" }], CC: [{ Name: "", Address: "c@remote.test" }] });
    assert.deepEqual(headerNames(m.raw), ["From", "Reply-To", "To", "Cc", "Subject", "Date", "Message-Id", "MIME-Version", "User-Agent", "Content-Type", "Content-Transfer-Encoding"]);
    const text = m.raw.toString();
    assert.match(text, /^From: "Mjl" <mjl@postwire.test>\r\n/);
    assert.match(text, /\r\nDate: \d{1,2} Jan 2025 \d\d:\d\d:\d\d [+-]\d{4}\r\n/);
    assert.match(text, /\r\nUser-Agent: postwire\/0\.1\.0\r\n/);
    assert.match(text, /Content-Type: text\/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\nhi\r\n$/);
    assert.match(m.messageId, /^<[A-Za-z0-9_-]{22}@mail\.postwire\.test>$/);
    assert.equal(m.smtpUtf8, false);
    assert.equal(m.has8bit, false);
  });

  test("text + html + inline + attachment nest as mixed ⊃ related ⊃ alternative", async () => {
    const m = compose({
      Text: "plain",
      HTML: '<img src="cid:logo">',
      InlineFiles: [{ Name: "logo.png", ContentID: "<logo>", Data: png.toString("base64") }],
      AttachedFiles: [{ Name: "a.bin", Bytes: Buffer.from([0, 1, 2, 3]) }],
      AlternativeFiles: [{ ContentType: "text/calendar; method=REQUEST", Data: Buffer.from("BEGIN:VCALENDAR\r\n").toString("base64") }],
    });
    const p = await parsed(m.raw);
    assert.deepEqual(shape(p.Structure), {
      "multipart/mixed": [{ "multipart/related": [{ "multipart/alternative": ["text/plain", "text/html", "text/calendar"] }, "image/png"] }, "text/plain"],
    });
    const [related, attached] = p.Structure.Parts;
    const img = related!.Parts[1]!;
    assert.equal(img.ContentID, "<logo>");
    assert.equal(img.ContentDisposition, "inline");
    assert.equal(img.Filename, "logo.png");
    assert.equal(img.DecodedSize, png.length);
    assert.equal(related!.Parts[0]!.Parts[2]!.ContentDisposition, "inline");
    // Sniffed as binary: mox leaves the type empty, so the header is omitted (text/plain by default on read).
    assert.equal(attached!.ContentDisposition, "attachment");
    assert.equal(attached!.DecodedSize, 4);
    assert.doesNotMatch(m.raw.toString(), /Content-Type: application\/octet-stream/);
    // mox example: MessagePartGet [0,0,1] is the HTML part with CRLF line ends.
    assert.equal(getPart(m.raw, [0, 0, 1])?.toString(), '<img src="cid:logo">\r\n');
    assert.deepEqual(getPart(m.raw, [1]), Buffer.from([0, 1, 2, 3]));
    assert.deepEqual(getPart(m.raw, [0, 1]), png);
    assert.equal(getPart(m.raw, [0, 0, 3]), null);
    assert.equal(getPart(m.raw, [2]), null);
  });

  test("files: base64 in 76-character lines, sniffed types, RFC 2231 non-ASCII names", () => {
    const big = Buffer.alloc(300, 7);
    const m = compose({ AttachedFiles: [{ Name: "résumé 2025.pdf", Data: Buffer.concat([Buffer.from("%PDF-1.7\n"), big]).toString("base64") }, { Name: "x.png", Bytes: png }] });
    const text = m.raw.toString();
    assert.match(text, /Content-Type: application\/pdf\r\nContent-Disposition: attachment; filename\*=utf-8''r%C3%A9sum%C3%A9%202025\.pdf\r\n/);
    assert.match(text, /Content-Type: image\/png\r\n/);
    const lines = text.split("\r\n").filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
    assert.ok(lines.length > 3);
    assert.ok(lines.slice(0, -1).every((l) => l.length === 76));
  });

  test("long and hostile file names are encoded, never injected", async () => {
    const name = `${"ü".repeat(150)}\r\nX-Evil: 1.txt`;
    const m = compose({ AttachedFiles: [{ Name: name, Bytes: Buffer.from("x") }] });
    assert.equal(hasBareCrOrLf(m.raw), false);
    assert.doesNotMatch(m.raw.toString(), /^X-Evil/m);
    assert.ok(m.raw.toString().split("\r\n").every((l) => l.length <= 998));
    const p = await parsed(m.raw);
    assert.equal(p.Structure.Parts[1]!.Filename, name);
  });

  test("non-ASCII subject and names use RFC 2047; BCC stays out of the header", async () => {
    const m = compose({
      From: { Name: "Jörg (Test)", Address: "jorg@postwire.test" },
      To: [{ Name: "Zoë", Address: "zoe@xn--74h.localhost" }],
      BCC: [{ Name: "", Address: "hidden@remote.test" }],
      Subject: "Grüße aus dem Büro, und noch ein ziemlich langer Betreff damit gefaltet werden muss",
    });
    const text = m.raw.toString();
    assert.match(text, /^From: =\?utf-8\?b\?/);
    assert.match(text, /\r\nTo: =\?utf-8\?q\?Zo=C3=AB\?= <zoe@xn--74h\.localhost>\r\n/);
    assert.doesNotMatch(text, /hidden@remote\.test/);
    assert.ok(isAsciiBuffer(m.raw.subarray(0, m.raw.indexOf("\r\n\r\n"))));
    const p = await parsed(m.raw);
    assert.equal(p.Subject, "Grüße aus dem Büro, und noch ein ziemlich langer Betreff damit gefaltet werden muss");
    assert.deepEqual(p.From, [{ Name: "Jörg (Test)", Address: "jorg@postwire.test" }]);
    assert.deepEqual(p.To, [{ Name: "Zoë", Address: "zoe@☺.localhost" }]);
    assert.deepEqual(p.BCC, []);
    assert.deepEqual(m.recipients.map((r) => r.original), ["zoe@xn--74h.localhost", "hidden@remote.test"]);
  });

  test("a non-ASCII localpart switches to SMTPUTF8: raw UTF-8 subject, unicode domains, 8bit", () => {
    const m = compose({ To: [{ Name: "", Address: "jörg@☺.localhost" }], Subject: "Grüße", Text: "ascii" });
    assert.equal(m.smtpUtf8, true);
    assert.equal(m.has8bit, true);
    const text = m.raw.toString();
    assert.match(text, /\r\nSubject: Grüße\r\n/);
    assert.match(text, /\r\nTo: <jörg@☺\.localhost>\r\n/);
    assert.match(text, /Content-Transfer-Encoding: 8bit/);
  });

  test("text parts: LF/CR/CRLF normalised, final newline, QP for long lines, utf-8 8bit", async () => {
    const smuggle = "a\n.\r\nMAIL FROM:<boss@local>\rb";
    const m = compose({ Text: smuggle, HTML: `<p>${"ü".repeat(100)}</p>` });
    assert.equal(hasBareCrOrLf(m.raw), false);
    const text = m.raw.toString();
    assert.match(text, /text\/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\na\r\n\.\r\nMAIL FROM:<boss@local>\r\nb\r\n/);
    assert.match(text, /text\/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n/);
    assert.ok(text.split("\r\n").every((l) => l.length <= 998));
    const p = await parsed(m.raw);
    assert.equal(p.Text, "a\n.\nMAIL FROM:<boss@local>\nb\n");
    assert.equal(p.HTML, `<p>${"ü".repeat(100)}</p>\n`);
    const short = compose({ Text: "grüße\n" });
    assert.match(short.raw.toString(), /charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\ngrüße\r\n$/);
  });

  test("References and In-Reply-To; custom headers; X-Mailer suppresses User-Agent", () => {
    const m = compose({ References: ["<a@x>", "<b@x>"], Headers: [["X-Mailer", "app 1"], ["X-Tag", "ä"]], MessageID: "<given@x>" });
    const fields = readHeaderFields(m.raw).fields;
    assert.deepEqual(fields.find(([k]) => k === "References"), ["References", "<a@x> <b@x>"]);
    assert.deepEqual(fields.find(([k]) => k === "In-Reply-To"), ["In-Reply-To", "<b@x>"]);
    assert.deepEqual(fields.find(([k]) => k === "Message-Id"), ["Message-Id", "<given@x>"]);
    assert.equal(fields.some(([k]) => k === "User-Agent"), false);
    assert.deepEqual(headerNames(m.raw).slice(3), ["Message-Id", "References", "In-Reply-To", "MIME-Version", "X-Mailer", "X-Tag", "Content-Type", "Content-Transfer-Encoding"]);
    assert.match(compose({}).raw.toString(), /User-Agent: postwire/);
    assert.match(composeMessage({ From: { Name: "", Address: "a@b.test" }, Text: "x" }, { ...opts, userAgent: "app/2" }).raw.toString(), /User-Agent: app\/2\r\n/);
  });
});

describe("composeMessage errors", () => {
  const code = (fn: () => unknown, want: string): void => {
    assert.throws(fn, (e: unknown) => e instanceof ComposeError && e.code === want);
  };
  test("mox error codes", () => {
    code(() => compose({ Text: "", HTML: "" }), "missingBody");
    code(() => compose({ MessageID: "no-brackets@x" }), "malformedMessageID");
    code(() => compose({ To: [{ Name: "", Address: "not an address" }] }), "badAddress");
    code(() => compose({ Subject: "a\r\nBcc: x@y" }), "user");
    code(() => compose({ From: { Name: "a\nb", Address: "a@b.test" } }), "user");
    code(() => compose({ Headers: [["X-A", "v\r\nInjected: 1"]] }), "user");
    code(() => compose({ Headers: [["Bad Name", "v"]] }), "user");
    // Fields the composer owns cannot be added a second time (stricter than mox).
    for (const k of ["From", "sender", "TO", "Subject", "Return-Path", "Content-Type"]) code(() => compose({ Headers: [[k, "x"]] }), "user");
    code(() => compose({ MessageID: "<a\u0000b@x>" }), "user");
    code(() => compose({ References: ["<a@x>\n"] }), "user");
    code(() => compose({ AttachedFiles: [{ ContentType: "text/plain\r\nX: y", Data: "" }] }), "user");
    code(() => compose({ InlineFiles: [{ ContentID: "<a>\r\n", Data: "" }] }), "user");
    code(() => compose({ AttachedFiles: [{ Data: "not base64!" }] }), "user");
    code(() => compose({ AttachedFiles: [{ Data: "YQ" }] }), "user"); // padding required
  });
});

describe("compose → parse round trip", () => {
  test("fields survive", async () => {
    const req: ComposeRequest = {
      From: { Name: "Mjl Ünïcode", Address: "mjl@postwire.test" },
      To: [{ Name: "A, B", Address: "ab@remote.test" }],
      CC: [{ Name: "", Address: "cc@☺.localhost" }],
      ReplyTo: [{ Name: "Replies", Address: "replies@postwire.test" }],
      Subject: "Round trip ✓",
      References: ["<root@x>", "<parent@x>"],
      Date: new Date("2025-02-03T04:05:06Z"),
      Text: "line one\nline two\n",
      HTML: "<p>line one</p>\n",
    };
    const m = composeMessage(req, opts);
    const p = await parsed(m.raw);
    assert.deepEqual(p.From, [req.From]);
    assert.deepEqual(p.To, req.To);
    assert.deepEqual(p.CC, req.CC);
    assert.deepEqual(p.ReplyTo, req.ReplyTo);
    assert.equal(p.Subject, req.Subject);
    assert.equal(p.MessageID, m.messageId);
    assert.equal(p.InReplyTo, "<parent@x>");
    assert.deepEqual(p.References, ["<root@x>", "<parent@x>"]);
    assert.equal(p.Date?.getTime(), req.Date!.getTime());
    assert.equal(p.Text, req.Text);
    assert.equal(p.HTML, req.HTML);
    assert.equal(p.Automated, false);
  });
});

describe("compose → parse properties", () => {
  // Whitespace runs collapse and ends are trimmed by header unfolding (in mox too).
  const norm = (s: string): string => s.replace(/\s+/g, " ").trim();
  const printable = fc.string({ unit: "binary", maxLength: 120 }).filter((s) => !/[\x00-\x1f\x7f-\x9f]/.test(s));

  test("any printable subject and display name read back", async () => {
    await fc.assert(
      fc.asyncProperty(printable, printable, async (subject, name) => {
        const m = compose({ Subject: subject, From: { Name: name, Address: "a@b.test" } });
        assert.equal(hasBareCrOrLf(m.raw), false);
        const p = await parsed(m.raw);
        assert.equal(norm(p.Subject), norm(subject));
        assert.equal(norm(p.From[0]!.Name), norm(name));
      }),
      { numRuns: 150 },
    );
  });

  test("any text body reads back with LF line ends and no bare CR/LF on the wire", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 400 }).filter((s) => s.trim() !== ""), async (text) => {
        const m = compose({ Text: text });
        assert.equal(hasBareCrOrLf(m.raw), false);
        const want = text.replace(/\r\n|\r/g, "\n");
        assert.equal((await parsed(m.raw)).Text, want.endsWith("\n") ? want : `${want}\n`);
      }),
      { numRuns: 150 },
    );
  });
});

function isAsciiBuffer(b: Buffer): boolean {
  return b.every((c) => c < 0x80);
}
