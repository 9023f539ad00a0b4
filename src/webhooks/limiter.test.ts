import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { LimiterMisuseError } from "./errors.js";
import { createConcurrencyLimiter } from "./limiter.js";

describe("concurrency limiter", () => {
  test("defaults to 4 per URL and 64 overall", () => {
    const l = createConcurrencyLimiter();
    for (let i = 0; i < 4; i++) assert.equal(l.tryAcquire("a"), true);
    assert.equal(l.tryAcquire("a"), false);
    for (let i = 0; i < 60; i++) assert.equal(l.tryAcquire(`u${i}`), true);
    assert.equal(l.available(), 0);
    assert.equal(l.tryAcquire("fresh"), false);
    assert.equal(l.inFlight(), 64);
  });

  test("a URL at capacity does not hold back other URLs", () => {
    const l = createConcurrencyLimiter({ perKey: 2, overall: 10 });
    assert.ok(l.tryAcquire("slow") && l.tryAcquire("slow"));
    assert.equal(l.tryAcquire("slow"), false);
    assert.equal(l.tryAcquire("other"), true);
    assert.deepEqual(l.saturatedKeys(), ["slow"]);
    assert.equal(l.inFlight("slow"), 2);
    assert.equal(l.available(), 7);
  });

  test("release frees the slot, wakes listeners and forgets idle keys", () => {
    const l = createConcurrencyLimiter({ perKey: 1, overall: 2 });
    const woken: string[] = [];
    const off = l.onRelease((k) => woken.push(k));
    assert.equal(l.tryAcquire("a"), true);
    assert.deepEqual(l.saturatedKeys(), ["a"]);
    l.release("a");
    assert.deepEqual(l.saturatedKeys(), []);
    assert.equal(l.inFlight("a"), 0);
    assert.equal(l.tryAcquire("a"), true);
    off();
    l.release("a");
    assert.deepEqual(woken, ["a"]);
  });

  test("the overall limit applies across URLs", () => {
    const l = createConcurrencyLimiter({ perKey: 4, overall: 3 });
    assert.ok(l.tryAcquire("a") && l.tryAcquire("b") && l.tryAcquire("c"));
    assert.equal(l.tryAcquire("d"), false);
    assert.deepEqual(l.saturatedKeys(), []);
    l.release("b");
    assert.equal(l.tryAcquire("d"), true);
  });

  test("release without acquire is a fault", () => {
    const l = createConcurrencyLimiter();
    assert.throws(() => l.release("never"), LimiterMisuseError);
    l.tryAcquire("x");
    l.release("x");
    assert.throws(() => l.release("x"), LimiterMisuseError);
    assert.equal(l.inFlight(), 0);
  });

  test("refuses limits that are not positive integers", () => {
    assert.throws(() => createConcurrencyLimiter({ perKey: 0 }), RangeError);
    assert.throws(() => createConcurrencyLimiter({ overall: 1.5 }), RangeError);
  });
});
