import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AddressError,
  baseAddress,
  formatAddress,
  isAscii,
  isSafeLocalpart,
  needsSmtpUtf8,
  parseAddress,
  parsePath,
} from "./index.js";

describe("parseAddress", () => {
  test("keeps localpart case and lowercases the domain", () => {
    assert.deepEqual(parseAddress("Local.Part+x@Example.COM"), { localpart: "Local.Part+x", domain: "example.com" });
  });

  test("decodes IDNA domains to unicode", () => {
    assert.deepEqual(parseAddress("mjl@xn--74h.localhost"), { localpart: "mjl", domain: "☺.localhost" });
    assert.deepEqual(parseAddress("mjl@☺.LOCALHOST"), { localpart: "mjl", domain: "☺.localhost" });
  });

  test("accepts UTF-8 localparts (RFC 6531)", () => {
    const a = parseAddress("jörg@example.org");
    assert.equal(a.localpart, "jörg");
    assert.equal(needsSmtpUtf8(a), true);
    assert.equal(needsSmtpUtf8(parseAddress("jorg@☺.example")), false);
  });

  test("unquotes quoted localparts", () => {
    assert.deepEqual(parseAddress('"x@remote"@local.test'), { localpart: "x@remote", domain: "local.test" });
    assert.deepEqual(parseAddress('"a\\"b"@x.test'), { localpart: 'a"b', domain: "x.test" });
  });

  const bad: Array<[string, string]> = [
    ["no at", "plain"],
    ["empty localpart", "@example.com"],
    ["source route", "@local:x@remote.test"],
    ["address literal", "x@[127.0.0.1]"],
    ["trailing dot domain", "x@local.test."],
    ["empty label", "x@local..test"],
    ["underscore domain", "x@a_b.test"],
    ["NUL", "x\u0000y@local.test"],
    ["CR LF", "x@local.test\r\nRCPT TO:<y@z>"],
    ["double dot localpart", "a..b@local.test"],
    ["leading dot", ".a@local.test"],
    ["space", "a b@local.test"],
    ["unterminated quote", '"abc@local.test'],
    ["label too long", `x@${"a".repeat(64)}.test`],
  ];
  for (const [name, input] of bad) {
    test(`refuses ${name}`, () => {
      assert.throws(() => parseAddress(input), (e: unknown) => e instanceof AddressError && e.code === "badAddress");
    });
  }

  test("refuses relay tricks when a safe localpart is required", () => {
    for (const input of ['"x@remote"@local.test', "x%remote@local.test", "host!x@local.test"]) {
      assert.throws(
        () => parseAddress(input, { requireSafeLocalpart: true }),
        (e: unknown) => e instanceof AddressError && e.code === "unsafeLocalpart",
        input,
      );
    }
    assert.equal(parseAddress("first.last+tag@local.test", { requireSafeLocalpart: true }).localpart, "first.last+tag");
  });
});

describe("isSafeLocalpart", () => {
  test("allows dot-atoms without routing characters", () => {
    assert.equal(isSafeLocalpart("mjl+catchall-x"), true);
    assert.equal(isSafeLocalpart("x%remote"), false);
    assert.equal(isSafeLocalpart("x@remote"), false);
    assert.equal(isSafeLocalpart("a b"), false);
    assert.equal(isSafeLocalpart(""), false);
  });
});

describe("baseAddress", () => {
  // docs/contract.md §1.5 examples and the rules: cut at +, then -, drop dots, lowercase.
  const cases: Array<[string, string]> = [
    ["Remote.Last-catchall@xn--74h.localhost", "remotelast@☺.localhost"],
    ["mjl+ZfV16EATHwKEufrSMo055Q@mox.example", "mjl@mox.example"],
    ["First.Last+tag-x@Example.COM", "firstlast@example.com"],
    ["a-b+c@x.test", "a@x.test"],
    ["plain@x.test", "plain@x.test"],
    // A quoted localpart stays quoted, as mox writes it (not the bare `a b@...`).
    ['"A b"@example.org', '"a b"@example.org'],
    ['"a.b c+tag"@example.org', '"ab c"@example.org'],
  ];
  for (const [input, want] of cases) {
    test(`${input} → ${want}`, () => assert.equal(baseAddress(input), want));
  }

  test("variants map to the same base", () => {
    assert.equal(baseAddress("remote.last+x@☺.localhost"), baseAddress("REMOTELAST-y@xn--74h.localhost"));
  });
});

describe("formatAddress and parsePath", () => {
  test("quotes localparts that are not dot-atoms and can write A-labels", () => {
    assert.equal(formatAddress({ localpart: "x@remote", domain: "local.test" }), '"x@remote"@local.test');
    assert.equal(formatAddress({ localpart: "mjl", domain: "☺.localhost" }, { ascii: true }), "mjl@xn--74h.localhost");
    const a = parseAddress('"a\\"b c"@x.test');
    assert.deepEqual(parseAddress(formatAddress(a)), a);
  });

  test("parses null and normal paths, refuses source routes", () => {
    assert.equal(parsePath("<>"), null);
    assert.deepEqual(parsePath("<a@B.test>"), { localpart: "a", domain: "b.test" });
    assert.throws(() => parsePath("<@local:x@remote.test>"), AddressError);
    assert.throws(() => parsePath("a@b.test"), AddressError);
  });

  test("isAscii", () => {
    assert.equal(isAscii("abc~\u007f"), true);
    assert.equal(isAscii("é"), false);
  });
});
