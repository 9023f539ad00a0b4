// Send's IdempotencyKey: a repeat (also several at once) returns the first answer and queues
// one message; a different request under the key is refused and queues nothing; keys are per
// account, checked for length and control characters, and answer for 24 hours.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { formatGoTime } from "../events/index.js";
import { startApiEnv, type ApiEnv } from "./test-env.js";

describe("webapi Send IdempotencyKey", () => {
  let env: ApiEnv;
  before(async () => (env = await startApiEnv()));
  after(async () => env.close());

  const user = { user: "mjl@mox.example" };
  const later = () => formatGoTime(new Date(env.clock.now() + 3_600_000));
  const request = (to: string, o: Record<string, unknown> = {}) => ({ To: [{ Address: to }], Subject: "once", Text: "hi\n", FutureRelease: later(), ...o });
  const queuedTo = async (to: string, accountId = env.mjl) => (await env.delivery.admin.list({ accountId, recipient: to })).length;

  it("answers a repeat with the first answer and queues one message", async () => {
    const req = request("repeat@remote.example", { IdempotencyKey: "order-1", Extra: { a: "1", b: "2" } });
    const first = await env.post("Send", req, user);
    assert.equal(first.status, 200, first.text);
    const again = await env.post("Send", { ...req, Extra: { b: "2", a: "1" } }, user);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.text, first.text, "byte-identical answer (map key order does not matter)");
    assert.equal(await queuedTo("repeat@remote.example"), 1);
  });

  it("resolves concurrent repeats to one message", async () => {
    const req = request("race@remote.example", { IdempotencyKey: "race-1" });
    const answers = await Promise.all(Array.from({ length: 6 }, () => env.post("Send", req, user)));
    for (const a of answers) assert.equal(a.status, 200, a.text);
    assert.equal(new Set(answers.map((a) => a.text)).size, 1, answers.map((a) => a.text).join(""));
    assert.equal(await queuedTo("race@remote.example"), 1);
  });

  it("refuses the key with a different request and queues nothing for it", async () => {
    const first = await env.post("Send", request("conflict@remote.example", { IdempotencyKey: "k-conflict" }), user);
    assert.equal(first.status, 200, first.text);
    const other = await env.post("Send", request("conflict2@remote.example", { IdempotencyKey: "k-conflict" }), user);
    assert.equal(other.status, 400);
    assert.equal(other.json.Code, "idempotencyConflict");
    assert.equal(await queuedTo("conflict2@remote.example"), 0);
    // Another account's identical key is its own.
    const elsewhere = await env.post("Send", request("conflict2@remote.example", { IdempotencyKey: "k-conflict" }), { user: "other@other.example", password: "otherpw" });
    assert.equal(elsewhere.status, 200, elsewhere.text);
  });

  it("checks the key's length and characters", async () => {
    const ok = await env.post("Send", request("long@remote.example", { IdempotencyKey: "é".repeat(256) }), user);
    assert.equal(ok.status, 200, ok.text);
    for (const key of ["x".repeat(257), "line\nbreak"]) {
      const r = await env.post("Send", request("bad@remote.example", { IdempotencyKey: key }), user);
      assert.equal(r.json.Code, "badIdempotencyKey", key);
    }
    assert.equal(await queuedTo("bad@remote.example"), 0);
  });

  it("answers for 24 hours, then the key sends again", async () => {
    const req = request("daily@remote.example", { IdempotencyKey: "daily" });
    const first = await env.post("Send", req, user);
    env.clock.advance(24 * 3_600_000 - 1000);
    assert.equal((await env.post("Send", { ...req, FutureRelease: later() }, user)).json.Code, "idempotencyConflict", "a new FutureRelease is a different request");
    assert.equal((await env.post("Send", req, user)).text, first.text);
    env.clock.advance(2000);
    const next = await env.post("Send", { ...req, FutureRelease: later() }, user);
    assert.equal(next.status, 200, next.text);
    assert.notEqual(next.json.Submissions[0].QueueMsgID, first.json.Submissions[0].QueueMsgID);
    assert.equal(await queuedTo("daily@remote.example"), 2);
  });
});
