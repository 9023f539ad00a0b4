import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { encodeGoJson, formatGoTime, goZeroTime, withZoneOffset } from "./go-json.js";
import { InvalidPayloadError } from "./errors.js";

describe("formatGoTime", () => {
  test("prints Go's zero time as 0001-01-01T00:00:00Z", () => {
    assert.equal(formatGoTime(goZeroTime()), "0001-01-01T00:00:00Z");
  });

  test("omits zero fractional seconds and trims trailing zeros", () => {
    assert.equal(formatGoTime(new Date("2024-03-27T00:00:00.000Z")), "2024-03-27T00:00:00Z");
    assert.equal(formatGoTime(new Date("2024-03-27T00:00:00.500Z")), "2024-03-27T00:00:00.5Z");
    assert.equal(formatGoTime(new Date("2024-03-27T00:00:00.120Z")), "2024-03-27T00:00:00.12Z");
    assert.equal(formatGoTime(new Date("2024-03-27T23:59:59.123Z")), "2024-03-27T23:59:59.123Z");
  });

  test("always prints UTC as Z whatever the input offset", () => {
    assert.equal(formatGoTime(new Date("2024-03-27T02:00:00+02:00")), "2024-03-27T00:00:00Z");
  });

  test("prints a time in the zone it was given with withZoneOffset, as Go keeps a parsed zone", () => {
    const t = new Date("2024-03-27T00:00:00.250Z");
    assert.equal(formatGoTime(withZoneOffset(t, 120)), "2024-03-27T02:00:00.25+02:00");
    assert.equal(formatGoTime(withZoneOffset(t, -330)), "2024-03-26T18:30:00.25-05:30");
    assert.equal(formatGoTime(withZoneOffset(t, 0)), "2024-03-27T00:00:00.25Z");
    assert.equal(formatGoTime(withZoneOffset(t, null)), "2024-03-27T00:00:00.25Z");
    assert.equal(withZoneOffset(t, 120).getTime(), t.getTime(), "the same instant");
  });

  test("refuses invalid dates and years Go cannot marshal", () => {
    assert.throws(() => formatGoTime(new Date(Number.NaN)), RangeError);
    assert.throws(() => formatGoTime(new Date("+010000-01-01T00:00:00Z")), RangeError);
    assert.throws(() => formatGoTime(new Date("-000001-01-01T00:00:00Z")), RangeError);
  });
});

describe("encodeGoJson", () => {
  test("escapes <, > and & like json.Marshal, not with escapeHTML false", () => {
    assert.equal(encodeGoJson("<a&b>"), '"\\u003ca\\u0026b\\u003e"');
    assert.equal(encodeGoJson("<a&b>", { escapeHTML: false }), '"<a&b>"');
  });

  test("always escapes U+2028/U+2029 and control characters like Go", () => {
    assert.equal(encodeGoJson("a\u2028b\u2029", { escapeHTML: false }), '"a\\u2028b\\u2029"');
    assert.equal(encodeGoJson('"\\\n\r\t\b\f\u0001\u001f\u007f'), '"\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001f\u007f"');
  });

  test("replaces lone surrogates with U+FFFD, keeps pairs", () => {
    assert.equal(encodeGoJson("a\ud800b\udc00c\ud83d\ude00"), '"a\ufffdb\ufffdc\ud83d\ude00"');
  });

  test("sorts map keys by UTF-8 bytes, integer-like keys included", () => {
    const out = encodeGoJson({ map: { b: "1", "10": "x", "2": "y", "\u00e9": "e", z: "z", B: "B" } });
    assert.equal(out, '{"10":"x","2":"y","B":"B","b":"1","z":"z","\u00e9":"e"}');
  });

  test("keeps struct field order and encodes times, null, booleans", () => {
    const out = encodeGoJson({
      struct: [["Z", 1], ["A", null], ["T", new Date(Date.UTC(2024, 0, 2, 3, 4, 5))], ["B", true]],
    });
    assert.equal(out, '{"Z":1,"A":null,"T":"2024-01-02T03:04:05Z","B":true}');
  });

  test("indents like MarshalIndent with prefix, keeping [] and {} compact", () => {
    const v = { struct: [["L", []], ["M", { map: {} }], ["N", [1, 2]]] } as const;
    assert.equal(
      encodeGoJson(v, { prefix: "> ", indent: "  " }),
      '{\n>   "L": [],\n>   "M": {},\n>   "N": [\n>     1,\n>     2\n>   ]\n> }',
    );
  });

  test("refuses numbers Go's int64 fields cannot hold exactly", () => {
    assert.throws(() => encodeGoJson(1.5), InvalidPayloadError);
    assert.throws(() => encodeGoJson(2 ** 60), InvalidPayloadError);
    assert.equal(encodeGoJson(-42), "-42");
  });
});
