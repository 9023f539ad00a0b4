import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createAdmission, holdCap, refillMark } from "./admission.js";

describe("webhook admission", () => {
  it("leaves a reserve of the overall slots to other URLs", () => {
    assert.equal(holdCap(4, 64), 48);
    assert.equal(holdCap(1, 10), 8);
    assert.equal(holdCap(4, 4), 4);
    assert.equal(holdCap(8, 8), 8);
  });

  it("saturates a URL at half its hold cap, at least perUrl", () => {
    assert.equal(refillMark(4, 64), 24);
    assert.equal(refillMark(1, 10), 4);
    assert.equal(refillMark(4, 4), 4);
    assert.equal(refillMark(8, 8), 8);
  });

  it("admits up to the hold cap per URL and reports a URL saturated once half the cap is held", () => {
    const a = createAdmission({ perUrl: 4, overall: 64 });
    assert.equal(a.claimLimit!(), 48, "a claim fits under the cap of any one URL");
    for (let i = 0; i < 23; i++) assert.ok(a.tryAcquire("u"));
    assert.deepEqual(a.saturatedKeys(), []);
    assert.equal(a.claimLimit!(), 25, "what the fullest unsaturated URL can still take");
    assert.ok(a.tryAcquire("u"));
    assert.deepEqual(a.saturatedKeys(), ["u"]);
    assert.equal(a.claimLimit!(), 40, "a saturated URL is skipped: the rest of the overall limit");
    for (let i = 24; i < 48; i++) assert.ok(a.tryAcquire("u"), `job ${i + 1}`);
    assert.equal(a.tryAcquire("u"), false, "the hold cap");
    for (let i = 0; i < 16; i++) assert.ok(a.tryAcquire(`v${i}`), "other URLs still get the reserve");
    assert.equal(a.tryAcquire("w"), false, "overall limit");
    a.release("u");
    assert.equal(a.held("u"), 47);
    assert.throws(() => a.release("nope"), { code: "webhook_limiter_misuse" });
  });

  it("hands out perUrl POST slots per URL, in arrival order, and none after close", async () => {
    const a = createAdmission({ perUrl: 2, overall: 8 });
    const r1 = (await a.slot("u"))!;
    const r2 = (await a.slot("u"))!;
    const order: number[] = [];
    const w3 = a.slot("u").then((r) => (order.push(3), r));
    const w4 = a.slot("u").then((r) => (order.push(4), r));
    assert.ok(await a.slot("other"), "another URL is not blocked");
    assert.equal(a.posting("u"), 2);
    r1();
    r1(); // a second call is a no-op
    const r3 = (await w3)!;
    assert.deepEqual(order, [3]);
    a.close();
    assert.equal(await w4, null, "waiters give up on close");
    assert.equal(await a.slot("x"), null);
    r2();
    r3();
    assert.equal(a.posting("u"), 0);
  });
});
