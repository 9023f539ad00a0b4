import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { durationMs, parseConfig, renderConfigExample, validateConfig } from "./index.js";

describe("config", () => {
  it("config.example.yaml is generated from the schema (run `npm run config:example`)", () => {
    const committed = readFileSync(new URL("../../config.example.yaml", import.meta.url), "utf8");
    assert.equal(committed, renderConfigExample());
  });

  it("the example parses to the defaults", () => {
    const fromExample = parseConfig(renderConfigExample(), "example");
    assert.deepEqual(fromExample, validateConfig({}));
    assert.equal(typeof parse(renderConfigExample()), "object");
  });

  it("names the field path of every error", () => {
    assert.throws(
      () => parseConfig("smtp:\n  mx:\n    port: 99999\naccounts:\n  - name: a\n    addresses: 3\n", "t.yaml"),
      (err: Error) => /smtp\.mx\.port/.test(err.message) && /accounts\.0\.addresses/.test(err.message) && /t\.yaml/.test(err.message),
    );
    assert.throws(() => parseConfig("bogus: 1\n"), /bogus|unrecognized/i);
  });

  it("converts durations", () => {
    assert.equal(durationMs("7.5m"), 450_000);
    assert.equal(durationMs("1h30m"), 5_400_000);
    assert.equal(durationMs("168h"), 7 * 86_400_000);
  });
});
