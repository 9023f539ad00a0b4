import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { webhookSchedule } from "../queue/index.js";
import { answer, hookEnv, openHookBase, type HookBase, type HookEnv } from "./test-env.js";
import { startReceiver } from "./test-receiver.js";

// mox queue/hook_test.go TestFromIDIncomingDelivery (hook delivery part) and docs/guarantees.md D1,
// with a manual clock: the runner only sees time move when the test moves it.
describe("webhook delivery", () => {
  let base: HookBase;
  before(async () => (base = await openHookBase()));
  after(async () => base.close());

  const auth = "Basic dXNlcm5hbWU6cGFzc3dvcmQ="; // mox's test value

  /** Waits for the webhook to have `n` finished attempts (its latest result is not the placeholder). */
  async function attempts(env: HookEnv, id: number, n: number): Promise<void> {
    await env.until(async () => {
      const r = await env.row(id);
      return r.attempts === n && (r.status !== "pending" || r.nextAttemptAt!.getTime() > r.lastAttemptAt!.getTime());
    }, `attempt ${n} of webhook ${id}`);
  }

  it("records a 500 with its response, retries at +1 m, then retires as delivered with mox's headers", async () => {
    const env = await hookEnv(base, { handler: answer(500, "bad") });
    try {
      await env.configure({ outgoing: { url: env.rx.url("/hook"), authorization: auth } });
      await env.outgoing("delivered", 42);
      const id = (await env.rows())[0]!.id;
      await attempts(env, id, 1);
      const r1 = await env.row(id);
      assert.equal(r1.status, "pending");
      assert.deepEqual(
        r1.results.map((r) => [r.attempt, r.code, r.success, r.response]),
        [[1, 500, false, "bad"]],
      );
      assert.equal(r1.results[0]!.error, "http status 500");
      assert.equal(r1.nextAttemptAt!.getTime() - r1.lastAttemptAt!.getTime(), 60_000);

      // "Reschedule to now": nothing happens before the minute is up.
      env.rx.handle(answer(200, "ok"));
      env.clock.advance(59_999);
      env.webhooks.wake();
      await sleep(150);
      assert.equal(env.rx.requests.length, 1);
      env.clock.advance(1);
      env.webhooks.wake();
      await attempts(env, id, 2);
      const r2 = await env.row(id);
      assert.equal(r2.status, "delivered");
      assert.deepEqual(r2.results.map((r) => [r.code, r.success]), [[500, false], [200, true]]);
      assert.ok(r2.keepUntil);
      const [first, second] = env.rx.requests;
      for (const [i, req] of [first!, second!].entries()) {
        assert.equal(req.headers["authorization"], auth);
        assert.equal(req.headers["x-mox-webhook-id"], String(id));
        assert.equal(req.headers["x-mox-webhook-attempt"], String(i + 1));
        assert.equal(req.headers["webhook-id"], r2.webhookId);
        assert.equal(req.body.toString(), r2.payload);
        env.verify(req);
      }

      // Retired webhooks are removed after KeepUntil.
      env.clock.set(r2.keepUntil!.getTime() - 1);
      await env.webhooks.cleanupNow();
      assert.equal((await env.rows()).length, 1);
      env.clock.set(r2.keepUntil!.getTime() + 1);
      assert.ok((await env.webhooks.cleanupNow()) >= 1);
      assert.equal((await env.rows()).length, 0);
    } finally {
      await env.stop();
    }
  });

  it("follows the schedule to the minute and retires as failed after 12 attempts of an always-500 receiver", async () => {
    const env = await hookEnv(base, { handler: answer(500) });
    try {
      await env.configure({ outgoing: { url: env.rx.url() } });
      await env.outgoing("failed", 43);
      const id = (await env.rows())[0]!.id;
      const t0 = env.clock.now();
      const starts: number[] = [];
      for (let n = 1; n <= 12; n++) {
        await attempts(env, id, n);
        const r = await env.row(id);
        starts.push(Date.parse(r.results[n - 1]!.start) - t0);
        if (n === 12) break;
        // Not a millisecond early (random 0.5: no jitter).
        env.clock.set(r.nextAttemptAt!.getTime() - 1);
        env.webhooks.wake();
        await sleep(50);
        assert.equal((await env.row(id)).attempts, n, `attempt ${n + 1} ran early`);
        env.clock.set(r.nextAttemptAt!.getTime());
        env.webhooks.wake();
      }
      const expected = [0, ...webhookSchedule.map((_, i) => webhookSchedule.slice(0, i + 1).reduce((a, b) => a + b, 0))];
      assert.deepEqual(starts, expected);
      const r = await env.row(id);
      assert.equal(r.status, "failed");
      assert.equal(r.results.length, 12);
      assert.equal(env.rx.requests.length, 12);
      assert.deepEqual(env.rx.requests.map((q) => q.headers["x-mox-webhook-attempt"]), webhookSchedule.concat(0).map((_, i) => String(i + 1)));
    } finally {
      await env.stop();
    }
  });

  it("keeps no retired webhook for an account without a keep period", async () => {
    const env = await hookEnv(base, { settings: { keepRetiredWebhookMs: 0 } });
    try {
      await env.configure({ incoming: { url: env.rx.url() } });
      await env.incoming();
      await env.until(() => env.rx.requests.length === 1, "the POST");
      await env.until(async () => (await env.rows()).length === 0, "the row to go");
    } finally {
      await env.stop();
    }
  });

  it("delivers everything queued while the receiver was down once it is back (D1)", async () => {
    const env = await hookEnv(base);
    const port = env.rx.port;
    await env.rx.close(); // down: connection refused
    try {
      await env.configure({ incoming: { url: `http://127.0.0.1:${port}/` } });
      for (let i = 0; i < 5; i++) await env.incoming();
      const ids = (await env.rows()).map((r) => r.id);
      for (let n = 1; n <= 3; n++) {
        for (const id of ids) await attempts(env, id, n);
        const rows = await env.rows();
        for (const r of rows) assert.match(r.results[n - 1]!.error, /ECONNREFUSED/);
        env.clock.set(Math.max(...rows.map((r) => r.nextAttemptAt!.getTime())));
        env.webhooks.wake();
      }
      const back = await startReceiver(undefined, { port });
      try {
        await env.until(async () => (await env.rows()).every((r) => r.status === "delivered"), "all delivered");
        assert.equal(back.requests.length, 5);
        assert.deepEqual(back.requests.map((q) => q.headers["x-mox-webhook-attempt"]), ["4", "4", "4", "4", "4"]);
        assert.equal(new Set(back.requests.map((q) => q.headers["webhook-id"])).size, 5);
      } finally {
        await back.close();
      }
    } finally {
      await env.stop().catch(() => {}); // the receiver is already closed
    }
  });
});
