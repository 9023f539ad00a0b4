import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createFailureSimulator } from "./failures.js";

describe("localserve failure simulator", () => {
  it("fails at DATA for the mox suffixes", () => {
    const s = createFailureSimulator();
    assert.deepEqual(s.check("data", "a-temperror@x.example", "m1"), {
      code: 451,
      enhanced: "4.0.0",
      message: "failure with code 451 due to special localpart",
    });
    assert.equal(s.check("data", "b+permerror@x.example", "m1")?.code, 550);
    assert.equal(s.check("data", "b+permerror@x.example", "m1")?.enhanced, "5.0.0");
    assert.deepEqual(s.check("data", "x552@x.example", "m1"), {
      code: 552,
      enhanced: "5.0.0",
      message: "failure with code 552 due to special localpart",
    });
    assert.equal(s.check("data", "x600@x.example", "m1")?.code, 600);
    assert.equal(s.check("data", "x399@x.example", "m1"), null);
    assert.equal(s.check("data", "x601@x.example", "m1"), null);
    assert.equal(s.check("data", "plain@x.example", "m1"), null);
    assert.equal(s.check("data", "TempError@x.example", "m1"), null, "case-sensitive like mox");
  });

  it("times out for an hour then answers 451", () => {
    const f = createFailureSimulator().check("data", "slow-timeout@x.example", "m");
    assert.deepEqual(f, { code: 451, enhanced: "4.3.0", message: "timing out submission due to special localpart", delayMs: 3_600_000 });
  });

  it("lets the prefix pick the phase", () => {
    const s = createFailureSimulator();
    assert.equal(s.check("mailfrom", "mailfrom-permerror@x.example", "m")?.code, 550);
    assert.equal(s.check("rcptto", "mailfrom-permerror@x.example", "m"), null);
    assert.equal(s.check("rcptto", "rcptto451@x.example", "m")?.code, 451);
    // At DATA every recipient's suffix counts, as in mox (on the MX an rcptto recipient was refused before).
    assert.equal(s.check("data", "rcptto451@x.example", "m")?.code, 451);
    assert.equal(s.check("data", "mailfromx550@x.example", "m")?.code, 550, "a mailfrom recipient is not delivered");
    assert.equal(s.check("mailfrom", "x-permerror@x.example", "m"), null, "no prefix: DATA only");
    assert.equal(s.check("rcptto", "x-permerror@x.example", "m"), null);
  });

  it("plays a code sequence per message and recipient, then keeps the last", () => {
    const s = createFailureSimulator();
    const a = "x+451-451-250@x.example";
    assert.equal(s.check("data", a, "m1")?.code, 451);
    assert.equal(s.check("data", a, "m1")?.code, 451);
    assert.equal(s.check("data", a, "m1"), null);
    assert.equal(s.check("data", a, "m1"), null, "keeps the last (250)");
    assert.equal(s.check("data", a, "m2")?.code, 451, "another message starts over");
    const b = "y+451-550@x.example";
    assert.equal(s.check("data", b, "m1")?.code, 451);
    assert.deepEqual(s.check("data", b, "m1"), { code: 550, enhanced: "5.0.0", message: "failure with code 550 due to special localpart" });
    assert.equal(s.check("data", b, "m1")?.code, 550);
  });

  it("counts a sequence only in its own phase", () => {
    const s = createFailureSimulator();
    const a = "rcptto+452-250@x.example";
    assert.equal(s.check("data", a, "m"), null);
    assert.equal(s.check("rcptto", a, "m")?.code, 452);
    assert.equal(s.check("rcptto", a, "m"), null);
  });
});
