import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import nodemailer from "nodemailer";
import { parseRaw } from "./parse.js";
import type { ParsedMessage, ParseResult, Structure } from "./types.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url));
const crlf = (lines: string[]): Buffer => Buffer.from(lines.join("\r\n"), "utf8");

function ok(r: ParseResult): ParsedMessage {
  if (!r.ok) assert.fail(`parse failed: ${r.error.code} ${r.error.message}`);
  return r;
}

// Structure reduced to types and children, for readable shape assertions.
function shape(s: Structure): unknown {
  return s.Parts.length === 0 ? s.ContentType : { [s.ContentType]: s.Parts.map(shape) };
}

describe("parseRaw on fixtures", () => {
  test("Thunderbird message with related inline image and RFC 2231 attachment name", async () => {
    const m = ok(await parseRaw(fixture("thunderbird-related.eml"), false));
    assert.deepEqual(m.From, [{ Name: "Jörg Müller", Address: "jorg@example.org" }]);
    assert.deepEqual(m.To, [
      { Name: "Mjl, Test", Address: "mjl@postwire.test" },
      { Name: "", Address: "team@☺.localhost" },
    ]);
    assert.deepEqual(m.CC, [{ Name: "Björn", Address: "bjorn@example.net" }]);
    assert.equal(m.Subject, "Bericht über das Projekt");
    assert.equal(m.MessageID, "<5e1c2f3a-0b7d-4c8e-9f10-2a3b4c5d6e7f@example.org>");
    assert.equal(m.InReplyTo, "<parent@example.org>");
    assert.deepEqual(m.References, ["<root@example.org>", "<parent@example.org>"]);
    assert.equal(m.Date?.toISOString(), "2025-01-14T08:30:05.000Z");
    assert.equal(m.Text, "Hallo Jörg,\n\nhier ist der Bericht über das Projekt mit einer ziemlich langen Zeile, die umbrochen werden muss.\n");
    assert.match(m.HTML, /^<html><body><p>Hallo Jörg,<\/p>/);
    assert.deepEqual(shape(m.Structure), {
      "multipart/mixed": [{ "multipart/related": [{ "multipart/alternative": ["text/plain", "text/html"] }, "image/png"] }, "application/pdf"],
    });
    const [related, pdf] = m.Structure.Parts;
    const png = related!.Parts[1]!;
    assert.deepEqual(
      { ...png, Parts: undefined },
      { ContentType: "image/png", ContentTypeParams: { name: "logo.png" }, ContentID: "<part1.logo@example.org>", ContentDisposition: "inline", Filename: "logo.png", DecodedSize: 70, Parts: undefined },
    );
    assert.equal(pdf!.Filename, "Bericht über 2024.pdf");
    assert.equal(pdf!.ContentDisposition, "attachment");
    assert.equal(pdf!.DecodedSize, 51);
    assert.deepEqual(related!.Parts[0]!.Parts[0]!.ContentTypeParams, { charset: "UTF-8", format: "flowed" });
    assert.equal(m.Structure.DecodedSize, 0); // multiparts report 0, as in mox
    assert.equal(m.Automated, false);
    assert.equal(m.Truncated, false);
    assert.deepEqual(m.Headers[0], ["Return-Path", "<jorg@example.org>"]);
    assert.deepEqual(m.Headers[1], ["Received", "from mail.example.org (mail.example.org [192.0.2.10]) by mx.postwire.test with ESMTPS id 4F2A1; Tue, 14 Jan 2025 09:30:12 +0100"]);
  });

  test("Postfix bounce is automated and keeps the report parts", async () => {
    const m = ok(await parseRaw(fixture("postfix-bounce.eml"), false));
    assert.equal(m.Automated, true);
    assert.deepEqual(shape(m.Structure), { "multipart/report": ["text/plain", "message/delivery-status", "text/rfc822-headers"] });
    assert.deepEqual(m.Structure.ContentTypeParams, { "report-type": "delivery-status", boundary: "3C1F2.1736935201/mx.remote.example" });
    assert.deepEqual(m.From, [{ Name: "Mail Delivery System", Address: "MAILER-DAEMON@mx.remote.example" }]);
    assert.match(m.Text, /^This is the mail system at host mx.remote.example.\n/);
  });

  test("ISO-2022-JP subject, name and text are decoded", async () => {
    const m = ok(await parseRaw(fixture("iso-2022-jp.eml"), false));
    assert.equal(m.Subject, "日本語の件名");
    assert.equal(m.From[0]!.Name, "山田");
    assert.equal(m.Text, "こんにちは、世界。\n");
  });

  test("list mail is automated; HTML-only message has empty Text", async () => {
    const m = ok(await parseRaw(fixture("newsletter.eml"), false));
    assert.equal(m.Automated, true);
    assert.equal(m.Text, "");
    assert.equal(m.HTML, "<html><body><h1>Newsletter</h1><p>Week 3</p></body></html>\n");
    assert.equal(m.Structure.DecodedSize, 60); // 59 bytes with a bare LF, counted as CRLF
  });
});

describe("parseRaw rules", () => {
  test("the caller's empty MAIL FROM makes a message automated", async () => {
    const raw = crlf(["From: a@b.test", "", "hi", ""]);
    assert.equal(ok(await parseRaw(raw, false)).Automated, false);
    assert.equal(ok(await parseRaw(raw, true)).Automated, true);
  });

  test("Auto-Submitted: no and empty list headers are not automated", async () => {
    const m = ok(await parseRaw(crlf(["Auto-Submitted: No", "Precedence:", "", "x"]), false));
    assert.equal(m.Automated, false);
    assert.equal(ok(await parseRaw(crlf(["Auto-Submitted: auto-replied", "", "x"]), false)).Automated, true);
  });

  test("References: MessageGet prepends In-Reply-To, Incoming canonicalises", async () => {
    const m = ok(await parseRaw(crlf(["In-Reply-To: <Parent@X>", "References: <Root@X>\t<a b@x>", " <trunc <Last@X>", "", ""]), false));
    assert.deepEqual(m.References, ["<Parent@X>", "<Root@X>", "<a", "b@x>", "<trunc", "<Last@X>"]);
    assert.deepEqual(m.IncomingReferences, ["<root@x>", "<ab@x>", "<last@x>"]);
    assert.deepEqual(ok(await parseRaw(crlf(["Subject: x", "", ""]), false)).IncomingReferences, []);
  });

  test("absent or unparsable Date is null", async () => {
    assert.equal(ok(await parseRaw(crlf(["Subject: x", "", ""]), false)).Date, null);
    assert.equal(ok(await parseRaw(crlf(["Date: not a date", "", ""]), false)).Date, null);
  });

  test("no Content-Type means text/plain; digest parts default to message/rfc822", async () => {
    const plain = ok(await parseRaw(crlf(["Subject: x", "", "body"]), false));
    assert.equal(plain.Structure.ContentType, "text/plain");
    assert.deepEqual(plain.Structure.ContentTypeParams, {});
    assert.equal(plain.Text, "body");
    const digest = ok(await parseRaw(crlf(["Content-Type: multipart/digest; boundary=d", "", "--d", "", "Subject: inner", "", "x", "--d--", ""]), false));
    assert.equal(digest.Structure.Parts[0]!.ContentType, "message/rfc822");
    assert.deepEqual(digest.Structure.Parts[0]!.Parts, []);
  });

  test("malformed types degrade like mox: bad type → octet-stream, no boundary → leaf", async () => {
    const bad = ok(await parseRaw(crlf(["Content-Type: text", "", "x"]), false));
    assert.equal(bad.Structure.ContentType, "application/octet-stream");
    const nob = ok(await parseRaw(crlf(["Content-Type: multipart/mixed", "", "--x", "", "a", "--x--"]), false));
    assert.equal(nob.Structure.ContentType, "multipart/mixed");
    assert.deepEqual(nob.Structure.Parts, []);
  });

  test("missing close delimiter and near-miss boundary lines are handled", async () => {
    const raw = crlf(["Content-Type: multipart/mixed; boundary=b", "", "--b", "", "one", "--bx not a delimiter", "--b ", "", "two"]);
    const m = ok(await parseRaw(raw, false));
    assert.equal(m.Structure.Parts.length, 2);
    assert.equal(m.Text, "one\n--bx not a delimiter");
  });

  test("a malformed header line is skipped; a part without header starts its body at once", async () => {
    const m = ok(await parseRaw(crlf(["Subject: one", "this is not a field", "X-After: two", "", "body"]), false));
    assert.deepEqual(m.Headers, [["Subject", "one"], ["X-After", "two"]]);
    const parts = ok(await parseRaw(crlf(["Content-Type: multipart/mixed; boundary=b", "", "--b", "no header here", "--b--", ""]), false));
    assert.equal(parts.Text, "no header here");
  });

  test("unknown charsets and invalid UTF-8 give valid strings", async () => {
    const raw = Buffer.concat([crlf(["Content-Type: text/plain; charset=x-unknown-7", "", ""]), Buffer.from([0x61, 0xff, 0xfe, 0x62])]);
    assert.equal(ok(await parseRaw(raw, false)).Text, "a\ufffd\ufffdb");
    const latin = Buffer.concat([crlf(["Content-Type: text/plain; charset=iso-8859-1", "", ""]), Buffer.from([0x63, 0x61, 0x66, 0xe9])]);
    assert.equal(ok(await parseRaw(latin, false)).Text, "café");
  });

  test("Text is cut at 1 MiB of UTF-8 on a character boundary", async () => {
    const body = "é".repeat(600_000); // 1.2 MB of UTF-8
    const m = ok(await parseRaw(Buffer.from(`Content-Type: text/plain; charset=utf-8\r\n\r\n${body}`), false));
    assert.equal(Buffer.byteLength(m.Text), 1 << 20);
    assert.ok(!m.Text.includes("\ufffd"));
  });

  test("multipart/alternative picks both; other multiparts stop at the first readable part", async () => {
    const mixed = crlf(["Content-Type: multipart/mixed; boundary=m", "", "--m", "Content-Type: text/html", "", "<p>first</p>", "--m", "", "plain second", "--m--", ""]);
    const m = ok(await parseRaw(mixed, false));
    assert.equal(m.HTML, "<p>first</p>");
    assert.equal(m.Text, "");
  });

  test("a header section over 1 MiB fails with headerTooLarge", async () => {
    const r = await parseRaw(Buffer.from(`Subject: ${"x".repeat(2 << 20)}\r\n\r\nbody`), false);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, "headerTooLarge");
  });
});

describe("messages from other software", () => {
  test("nodemailer output parses with the right Structure", async () => {
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" });
    const info = await transport.sendMail({
      from: '"Sender Ä" <sender@example.org>',
      to: "rcpt@xn--74h.localhost",
      subject: "Grüße",
      text: "plain body",
      html: '<p>html body <img src="cid:logo@x"></p>',
      attachments: [
        { filename: "logo.png", content: Buffer.from("89504e470d0a1a0a", "hex"), cid: "logo@x" },
        { filename: "report ä.txt", content: "attached text\n" },
      ],
    });
    const m = ok(await parseRaw(info.message as Buffer, false));
    assert.equal(m.Subject, "Grüße");
    assert.deepEqual(m.From, [{ Name: "Sender Ä", Address: "sender@example.org" }]);
    assert.deepEqual(m.To, [{ Name: "", Address: "rcpt@☺.localhost" }]);
    assert.equal(m.Text, "plain body");
    assert.equal(m.HTML, '<p>html body <img src="cid:logo@x"></p>');
    assert.deepEqual(shape(m.Structure), {
      "multipart/mixed": [{ "multipart/alternative": ["text/plain", { "multipart/related": ["text/html", "image/png"] }] }, "text/plain"],
    });
    const attached = m.Structure.Parts[1]!;
    assert.equal(attached.Filename, "report ä.txt");
    assert.equal(attached.ContentDisposition, "attachment");
    assert.equal(attached.DecodedSize, "attached text\r\n".length);
    const png = m.Structure.Parts[0]!.Parts[1]!.Parts[1]!;
    assert.equal(png.ContentID, "<logo@x>");
    assert.equal(png.DecodedSize, 8);
  });
});
