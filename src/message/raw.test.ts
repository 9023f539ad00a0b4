import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  HeaderLineError,
  generateMessageId,
  getPart,
  getPartInfo,
  hasBareCrOrLf,
  headerSectionEnd,
  prependHeaders,
  readHeaderFields,
  sniffContentType,
} from "./index.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url));

describe("hasBareCrOrLf", () => {
  const cases: Array<[string, boolean]> = [
    ["a\r\nb\r\n", false],
    ["", false],
    ["a\nb", true],
    ["\n", true],
    ["a\rb", true],
    ["a\r", true],
    ["a\r\n.\n", true],
    ["a\r\r\n", true],
  ];
  for (const [input, want] of cases) {
    test(JSON.stringify(input), () => assert.equal(hasBareCrOrLf(Buffer.from(input)), want));
  }
});

describe("prependHeaders", () => {
  test("adds fields before the message, pairs and folded strings", () => {
    const out = prependHeaders(Buffer.from("Subject: x\r\n\r\nbody"), [
      ["Return-Path", "<a@b.test>"],
      "DKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=abc",
    ]);
    assert.equal(out.toString(), "Return-Path: <a@b.test>\r\nDKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=abc\r\nSubject: x\r\n\r\nbody");
  });

  test("refuses lines that would break the header", () => {
    for (const bad of [["X", "a\nb"], ["X", "a\r\nInjected: 1"], ["Bad Name", "v"], ":v"] as const) {
      assert.throws(() => prependHeaders(Buffer.from(""), [bad]), HeaderLineError);
    }
  });
});

describe("header helpers", () => {
  test("headerSectionEnd with CRLF, LF and no body", () => {
    assert.equal(headerSectionEnd(Buffer.from("A: b\r\n\r\nbody")), 8);
    assert.equal(headerSectionEnd(Buffer.from("A: b\n\nbody")), 6);
    assert.equal(headerSectionEnd(Buffer.from("A: b\r\n")), 6);
  });

  test("readHeaderFields unfolds and reports the body offset", () => {
    const { fields, bodyStart } = readHeaderFields(Buffer.from("A: one\r\n two\r\nb:\r\n\r\nbody"));
    assert.deepEqual(fields, [["A", "one two"], ["b", ""]]);
    assert.equal(bodyStart, 20);
  });

  test("generateMessageId: 22 base64url characters, ASCII host unless SMTPUTF8", () => {
    assert.match(generateMessageId("mail.example"), /^<[A-Za-z0-9_-]{22}@mail\.example>$/);
    assert.match(generateMessageId("☺.example"), /@xn--74h\.example>$/);
    assert.match(generateMessageId("☺.example", true), /@☺\.example>$/);
    assert.notEqual(generateMessageId("h"), generateMessageId("h"));
  });

  test("sniffContentType", () => {
    assert.equal(sniffContentType(Buffer.from("%PDF-1.4")), "application/pdf");
    assert.equal(sniffContentType(Buffer.from("89504e470d0a1a0a00", "hex")), "image/png");
    assert.equal(sniffContentType(Buffer.from("ffd8ffe0", "hex")), "image/jpeg");
    assert.equal(sniffContentType(Buffer.from("GIF89a..")), "image/gif");
    assert.equal(sniffContentType(Buffer.from("PK\u0003\u0004")), "application/zip");
    assert.equal(sniffContentType(Buffer.from("  <!DOCTYPE html><html>")), "text/html; charset=utf-8");
    assert.equal(sniffContentType(Buffer.from("hello\nworld")), "text/plain; charset=utf-8");
    assert.equal(sniffContentType(Buffer.from([0, 1, 2, 3])), "");
  });
});

describe("getPart", () => {
  const msg = fixture("thunderbird-related.eml");

  test("[] is the body after the header; paths index Parts", () => {
    const body = getPart(msg, []);
    assert.ok(body?.toString().startsWith("This is a multi-part message in MIME format.\r\n--------------mixed"));
    assert.equal(getPart(msg, [0, 0, 0])?.toString("utf8"), "Hallo Jörg,\r\n\r\nhier ist der Bericht über das Projekt mit einer ziemlich langen Zeile, die umbrochen werden muss.\r\n");
    assert.deepEqual(getPart(msg, [0, 1])?.subarray(0, 4), Buffer.from("89504e47", "hex"));
    assert.ok(getPart(msg, [1])?.toString("latin1").startsWith("%PDF-1.4"));
  });

  test("out of range, negative, non-integer and too deep paths give null", () => {
    for (const path of [[2], [0, 0, 2], [-1], [0.5], [0, 1, 0], new Array(200).fill(0)]) {
      assert.equal(getPart(msg, path), null, JSON.stringify(path));
    }
  });

  test("text parts get CRLF, charset untouched", () => {
    const raw = Buffer.concat([Buffer.from("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n"), Buffer.from(Buffer.from("caf\xe9\nau\n", "latin1").toString("base64"))]);
    assert.deepEqual(getPart(raw, []), Buffer.from("caf\xe9\r\nau\r\n", "latin1"));
  });

  test("getPartInfo describes a part and counts its children", () => {
    assert.deepEqual(getPartInfo(msg, [0]), {
      contentType: "multipart/related",
      contentTypeParams: { boundary: "------------related0123456789" },
      contentId: "",
      partCount: 2,
    });
    assert.equal(getPartInfo(msg, [0, 1])?.contentId, "<part1.logo@example.org>");
    assert.equal(getPartInfo(msg, [5]), null);
  });
});
