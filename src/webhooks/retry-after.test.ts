import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { webhookSchedule } from "../queue/index.js";
import { MAX_ATTEMPTS, nextAttemptAt, parseHttpDate, parseRetryAfter } from "./retry-after.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const mid = () => 0.5; // no jitter
const low = () => 0; // -1 %
const high = () => 0.999999; // just under +1 %

describe("webhook retry schedule (docs/contract.md §2.6) on the queue's backoff", () => {
  test("waits are 1m 2m 4m 7m30s 15m 30m 1h 2h 4h 8h 16h and 12 attempts in all", () => {
    assert.deepEqual(webhookSchedule, [1, 2, 4, 7.5, 15, 30, 60, 120, 240, 480, 960].map((m) => m * MIN));
    assert.equal(MAX_ATTEMPTS, 12);
  });

  test("cumulative start times match the spec when every attempt fails at once", () => {
    const t0 = Date.UTC(2024, 2, 27);
    const starts = [t0];
    for (let n = 1; ; n++) {
      const next = nextAttemptAt(n, starts[n - 1]!, { random: mid });
      if (next === null) break;
      starts.push(next);
    }
    const offsets = starts.map((d) => (d - t0) / 1000);
    const expected = ["0", "1m", "3m", "7m", "14m30s", "29m30s", "59m30s", "1h59m30s", "3h59m30s", "7h59m30s", "15h59m30s", "31h59m30s"];
    const seconds = (s: string) =>
      [...s.matchAll(/(\d+)([hms])/g)].reduce((acc, [, v, u]) => acc + Number(v) * { h: 3600, m: 60, s: 1 }[u as "h" | "m" | "s"], 0);
    assert.deepEqual(offsets, expected.map(seconds));
    assert.equal(starts.length, MAX_ATTEMPTS);
  });

  test("jitter stays within ±1 %", () => {
    for (let n = 1; n < MAX_ATTEMPTS; n++) {
      const base = webhookSchedule[n - 1]!;
      assert.equal(nextAttemptAt(n, 0, { random: low }), Math.round(base * 0.99));
      const hi = nextAttemptAt(n, 0, { random: high })!;
      assert.ok(hi > base && hi <= base * 1.01, `${n}: ${hi}`);
    }
  });

  test("after attempt 12 there is no next attempt", () => {
    assert.equal(nextAttemptAt(12, 0, { random: mid }), null);
    assert.equal(nextAttemptAt(13, 0, { random: mid }), null);
  });

  test("Retry-After lengthens a wait up to 16 h but never shortens it", () => {
    // Longer than the regular wait: honoured.
    assert.equal(nextAttemptAt(1, 0, { random: mid, retryAfterMs: 120_000 }), 120_000);
    // Shorter than the regular wait (15 min after attempt 5) or 0: the schedule wins.
    assert.equal(nextAttemptAt(5, 0, { random: mid, retryAfterMs: 120_000 }), 15 * MIN);
    assert.equal(nextAttemptAt(1, 0, { random: mid, retryAfterMs: 0 }), MIN);
    // Beyond the longest wait: clamped to 16 h.
    assert.equal(nextAttemptAt(1, 0, { random: mid, retryAfterMs: 100 * HOUR }), 16 * HOUR);
    assert.equal(nextAttemptAt(12, 0, { random: mid, retryAfterMs: 120_000 }), null);
  });

  test("a Retry-After delay counts from the end of the attempt when given", () => {
    assert.equal(nextAttemptAt(1, 1_000_000, { random: mid, retryAfterMs: 120_000, finishedAt: 1_025_000 }), 1_145_000);
    assert.equal(nextAttemptAt(1, 1_000_000, { random: mid, finishedAt: 1_025_000 }), 1_060_000);
  });

  test("time scale divides every wait after bounds and jitter", () => {
    assert.equal(nextAttemptAt(1, 0, { random: mid, timeScale: 60 }), 1000);
    assert.equal(nextAttemptAt(11, 0, { random: mid, timeScale: 3600 }), 16_000);
    assert.equal(nextAttemptAt(1, 0, { random: mid, timeScale: 60, retryAfterMs: 120_000 }), 2000);
  });
});

describe("Retry-After parsing", () => {
  const now = Date.UTC(2015, 9, 21, 7, 26, 0);

  test("delta-seconds", () => {
    assert.equal(parseRetryAfter("120", now), 120_000);
    assert.equal(parseRetryAfter(" 0 ", now), 0);
  });

  test("HTTP-date in IMF-fixdate, RFC 850 and asctime forms, relative to now", () => {
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now), 120_000);
    assert.equal(parseRetryAfter("Wednesday, 21-Oct-15 07:28:00 GMT", now), 120_000);
    assert.equal(parseRetryAfter("Wed Oct 21 07:28:00 2015", now), 120_000);
    assert.equal(parseHttpDate("Sun Nov  6 08:49:37 1994", now), Date.UTC(1994, 10, 6, 8, 49, 37));
  });

  test("a date in the past gives 0; junk or absence gives undefined", () => {
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now), 0);
    for (const v of [undefined, null, "", "soon", "-5", "1.5", "21 Oct 2015", "Wed, 21 Foo 2015 07:28:00 GMT"]) {
      assert.equal(parseRetryAfter(v, now), undefined, String(v));
    }
  });
});
