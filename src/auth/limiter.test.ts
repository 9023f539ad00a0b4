// The failed-auth limiter on its own, with a hand-moved clock: per-IP prefixes, per-account
// counters across many IPs, unknown logins counted by name, and what a success resets.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { manualClock } from "../clock/index.js";
import { accountKey, createAuthLimiter } from "./limiter.js";

describe("failed-auth limiter", () => {
  it("limits one IP at 10 a minute by default and lets the next minute in", () => {
    const clock = manualClock();
    const l = createAuthLimiter(clock);
    for (let i = 0; i < 10; i++) {
      assert.equal(l.allowed("192.0.2.1"), true, `attempt ${i + 1}`);
      l.failed("192.0.2.1");
    }
    assert.equal(l.allowed("192.0.2.1"), false);
    assert.equal(l.allowed("192.0.2.2"), true, "a neighbour in the /26 has 30");
    clock.advance(60_000);
    assert.equal(l.allowed("192.0.2.1"), true);
  });

  it("limits one account attacked from many networks, known and unknown logins alike", () => {
    const l = createAuthLimiter(manualClock(), { accountPerMinute: 5 });
    const known = accountKey("alice@example.test", 7);
    const unknown = accountKey("Nobody@Example.test", null);
    assert.equal(unknown, "login:nobody@example.test");
    for (const key of [known, unknown]) {
      const seen: boolean[] = [];
      for (let i = 0; i < 7; i++) {
        const ip = `10.${i * 8}.0.1`; // a different /21 each time: no IP limit is near
        seen.push(l.allowed(ip, key));
        if (seen.at(-1)) l.failed(ip, key);
      }
      assert.deepEqual(seen, [true, true, true, true, true, false, false], key);
      assert.equal(l.allowed("10.200.0.1"), true, "the IPs themselves are not limited");
      assert.equal(l.recentFailures("10.200.0.1", key), 5, "the delay follows the account's failures");
    }
    assert.equal(l.allowed("10.200.0.1", accountKey("bob@example.test", 8)), true, "another account is not affected");
  });

  it("a success resets only the client's own IP, not the account nor the shared prefixes", () => {
    const l = createAuthLimiter(manualClock(), { ipPerMinute: 2, accountPerMinute: 3 });
    const key = accountKey("alice@example.test", 1);
    l.failed("192.0.2.1", key);
    l.failed("192.0.2.1", key);
    l.failed("192.0.2.9", key);
    assert.equal(l.allowed("192.0.2.1"), false);
    l.succeeded("192.0.2.1", key);
    assert.equal(l.allowed("192.0.2.1"), true, "own IP reset");
    assert.equal(l.allowed("192.0.2.9"), true);
    assert.equal(l.allowed("198.51.100.1", key), false, "the account's counter stays for other networks");
    assert.equal(l.recentFailures("192.0.2.9"), 1, "another client's counter stays");
  });

  it("keeps the owner in: an account over its limit still checks passwords from a network it logged in from", () => {
    const l = createAuthLimiter(manualClock(), { accountPerMinute: 5 });
    const key = accountKey("alice@example.test", 1);
    l.succeeded("192.0.2.10", key); // the owner's earlier login, from its office /24
    l.succeeded("2001:db8:5:6::1", key); // and from its home /64
    for (let i = 0; i < 50; i++) {
      const ip = `10.${i}.${i}.1`; // an attack spread over many networks
      if (l.allowed(ip, key)) l.failed(ip, key);
    }
    assert.equal(l.allowed("203.0.113.7", key), false, "a stranger is answered 429 without a check");
    assert.equal(l.allowed("192.0.2.77", key), true, "the owner's network is let through to the password check");
    assert.equal(l.allowed("2001:db8:5:6:abcd::2", key), true, "same /64");
    assert.equal(l.allowed("2001:db8:5:7::1", key), false, "another /64");
    // The owner's network is still slowed down by its own per-IP limit.
    for (let i = 0; i < 10; i++) l.failed("192.0.2.77", key);
    assert.equal(l.allowed("192.0.2.77", key), false, "per-IP limit still applies");
    assert.equal(l.allowed("192.0.2.78", key), true, "a neighbour in the /26 has its own budget");
    assert.equal(l.allowed("192.0.2.10", accountKey("bob@example.test", 2)), true);
  });

  it("counts IPv6 clients by /64 and the account per day", () => {
    const clock = manualClock();
    const l = createAuthLimiter(clock, { ipPerMinute: 2, accountPerMinute: 100, accountPerDay: 4 });
    l.failed("2001:db8:1:2::1");
    l.failed("2001:db8:1:2:ffff::9");
    assert.equal(l.allowed("2001:db8:1:2::77"), false, "same /64");
    assert.equal(l.allowed("2001:db8:1:3::1"), true, "next /64");
    const key = accountKey("x@example.test", null);
    for (let i = 0; i < 4; i++) {
      l.failed(`2001:db8:${i + 10}::1`, key);
      clock.advance(61_000);
    }
    assert.equal(l.allowed("2001:db8:99::1", key), false, "four a day");
    clock.advance(86_400_000);
    assert.equal(l.allowed("2001:db8:99::1", key), true);
  });
});
