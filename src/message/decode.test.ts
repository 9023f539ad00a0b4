import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { base64DecodedSize, decodeBase64, decodeQuotedPrintable, toCrlf } from "./decode.js";
import { encodeQuotedPrintable, formatParam } from "./mime-encode.js";
import { decodeWords, parseContentType, parseParamValue } from "./params.js";

const qp = (s: string): string => decodeQuotedPrintable(Buffer.from(s, "latin1")).toString("latin1");

describe("quoted-printable", () => {
  test("escapes, soft breaks, trailing blanks, literal =", () => {
    assert.equal(qp("caf=E9=\r\n au lait"), "caf\u00e9 au lait");
    assert.equal(qp("a  \t\r\nb"), "a\r\nb"); // trailing blanks dropped (RFC 2045 §6.7)
    assert.equal(qp("a=  \r\nb"), "ab"); // soft break with transport padding
    assert.equal(qp("x=zz=4"), "x=zz=4");
    assert.equal(qp("=3d=3D"), "==");
    assert.equal(qp("bare\nlf\nx\n\n"), "bare\r\nlf\r\nx\r\n\r\n");
    assert.equal(qp("end="), "end");
  });

  test("encoding round-trips any UTF-8 text with CRLF lines of at most 76 columns", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary", maxLength: 200 }).map((s) => s.replace(/[\r\n]/g, "")), { maxLength: 5 }), (lines) => {
        const text = lines.join("\r\n");
        const enc = encodeQuotedPrintable(text);
        assert.ok(enc.split("\r\n").every((l) => l.length <= 76), enc);
        assert.equal(decodeQuotedPrintable(Buffer.from(enc)).toString("utf8"), text);
      }),
    );
  });
});

describe("base64", () => {
  test("size without decoding equals the decoded length, whatever the input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b = Buffer.from(bytes);
        assert.equal(base64DecodedSize(b), decodeBase64(b).length);
      }),
    );
    const wrapped = Buffer.from("aGVs\r\nbG8=\r\n");
    assert.equal(decodeBase64(wrapped).toString(), "hello");
    assert.equal(base64DecodedSize(wrapped), 5);
  });

  test("toCrlf adds CR only where missing", () => {
    assert.equal(toCrlf(Buffer.from("a\nb\r\nc\n")).toString(), "a\r\nb\r\nc\r\n");
    const same = Buffer.from("a\r\n");
    assert.equal(toCrlf(same), same);
  });
});

describe("parameters", () => {
  test("content type with quoted, token and RFC 2231 values", () => {
    assert.deepEqual(parseContentType('Text/HTML; Charset="UTF-8"; name=a.html'), { value: "text/html", params: { charset: "UTF-8", name: "a.html" } });
    assert.deepEqual(parseContentType('multipart/mixed; boundary="a;b \\"c\\""'), { value: "multipart/mixed", params: { boundary: 'a;b "c"' } });
    assert.equal(parseContentType(""), null);
    assert.deepEqual(parseContentType("garbage"), { value: "application/octet-stream", params: {} });
  });

  test("RFC 2231 continuations and charsets", () => {
    const v = parseParamValue("attachment; filename*0*=iso-8859-1'de'caf%E9; filename*1=\" au lait.txt\"; size=3");
    assert.deepEqual(v, { value: "attachment", params: { filename: "café au lait.txt", size: "3" } });
    assert.equal(parseParamValue("inline; name*=UTF-8''%E2%98%BA.png").params["name"], "☺.png");
    // Missing segment 1: only the contiguous prefix is used.
    assert.equal(parseParamValue("a; f*0=one; f*2=three").params["f"], "one");
  });

  test("formatParam output parses back", () => {
    for (const name of ["plain.txt", "with space.txt", 'q"uote.txt', "résumé.pdf", "x".repeat(500), "ü".repeat(300), "tab\tand\r\nnewline"]) {
      const header = `attachment; ${formatParam("filename", name)}`;
      assert.equal(parseParamValue(header.replace(/\r\n\t/g, " ")).params["filename"], name, name);
    }
  });
});

describe("encoded words", () => {
  test("decodes B and Q, drops whitespace between adjacent words, joins split characters", () => {
    assert.equal(decodeWords("=?utf-8?q?caf=C3=A9?= =?UTF-8?B?IGF1IGxhaXQ=?= ok"), "café au lait ok");
    assert.equal(decodeWords("a =?utf-8?q?=C3?= =?utf-8?q?=A9?= b"), "a é b");
    assert.equal(decodeWords("=?iso-8859-1*de?q?caf=E9?="), "café");
    assert.equal(decodeWords("no words here"), "no words here");
    assert.equal(decodeWords("=?x-unknown?q?abc?="), "abc");
  });
});
