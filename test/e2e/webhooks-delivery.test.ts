// Outgoing webhooks from real delivery outcomes (mox queue_test.go TestRetiredHooks through the
// webhook path): delivery appends the events, the outbox queues webhooks in the same
// transactions, and a receiver on loopback gets each event's exact payload, signed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { openBase, scenario, type Scenario, type TestBase } from "../../src/delivery/test-env.js";
import { schema } from "../../src/db/index.js";
import { silentLogger } from "../../src/log/index.js";
import { systemClock } from "../../src/clock/index.js";
import { createWebhooks, type Webhooks } from "../../src/webhooks/index.js";
import { startReceiver, type ReceivedRequest, type Receiver } from "../../src/webhooks/test-receiver.js";

describe("outgoing webhooks from delivery outcomes", () => {
  let base: TestBase;
  let svc: Webhooks;
  let rx: Receiver;
  const auth = "Basic dXNlcm5hbWU6cGFzc3dvcmQ=";
  const secrets: Record<number, string> = {};

  before(async () => {
    base = await openBase();
    rx = await startReceiver();
    svc = createWebhooks({
      database: base.database,
      log: silentLogger(),
      clock: systemClock,
      eventLog: base.eventLog,
      version: "0.1.0-test",
      config: { concurrencyPerUrl: 4, concurrency: 16, timeoutMs: 2000, allowHosts: [`127.0.0.1:${rx.port}`], allowLoopback: false, timeScale: 100_000, pollMs: 100 },
    });
    base.eventLog.setAppendHook(svc.appendHook);
    await svc.start();
  });
  after(async () => {
    await svc.stop();
    await rx.close();
    await base.close();
  });

  async function withHook(s: Scenario, events: string[] = []): Promise<void> {
    const view = await base.database.db.transaction((tx) =>
      svc.syncConfig(tx, s.accountId, { outgoing: { url: rx.url(`/out/${s.accountId}`), authorization: auth, events } }),
    );
    secrets[s.accountId] = view.secrets[0]!;
  }

  const mine = (s: Scenario) => rx.requests.filter((r) => r.path === `/out/${s.accountId}`);
  const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  /** Every POST carries its event's exact payload, mox's headers and a valid signature. */
  async function checkPosts(s: Scenario, posts: ReceivedRequest[]): Promise<Record<string, unknown>[]> {
    // Straight from the table: the log's reader also waits for unrelated transactions to end.
    const events = await base.database.db.select().from(schema.events).where(eq(schema.events.accountId, s.accountId));
    return posts.map((p) => {
      const body = p.body.toString();
      assert.ok(events.some((e) => e.payload === body), "the body is an event's payload, byte for byte");
      assert.equal(p.headers["authorization"], auth);
      assert.match(String(p.headers["x-mox-webhook-id"]), /^\d+$/);
      new Webhook(secrets[s.accountId]!).verify(body, p.headers as Record<string, string>);
      return JSON.parse(body) as Record<string, unknown>;
    });
  }

  it("posts delivered, failed (554, 550 suppressing) and suppressed, but not queued by default", async () => {
    const s = await scenario(base, "hookout", {
      script: { rcptTo: (r) => (r.startsWith("five54") ? { code: 554, text: "5.1.0 no" } : r.startsWith("five50") ? { code: 550, text: "5.0.0 gone" } : null) },
    });
    try {
      await withHook(s);
      const [ok] = await s.send(["ok@remote.example"], { extra: { a: "123" } });
      const [f554] = await s.send(["five54@remote.example"]);
      const [f550] = await s.send(["five50@remote.example"]);
      await until(() => mine(s).length === 3, "three webhooks");
      const [sup] = await s.send(["five50@remote.example"]);
      await until(() => mine(s).length === 4, "the suppressed webhook");
      const got = await checkPosts(s, mine(s));
      const by = new Map(got.map((p) => [p.QueueMsgID as number, p]));
      assert.deepEqual([by.get(ok!.queueMsgId)?.Event, by.get(ok!.queueMsgId)?.SMTPCode, by.get(ok!.queueMsgId)?.Extra], ["delivered", 250, { a: "123" }]);
      assert.deepEqual([by.get(f554!.queueMsgId)?.Event, by.get(f554!.queueMsgId)?.Suppressing], ["failed", false]);
      assert.deepEqual([by.get(f550!.queueMsgId)?.Event, by.get(f550!.queueMsgId)?.Suppressing], ["failed", true]);
      assert.equal(by.get(sup!.queueMsgId)?.Event, "suppressed");
      assert.ok(got.every((p) => p.Event !== "queued"));
    } finally {
      await s.stop();
    }
  });

  it("posts failed for an admin fail and canceled for an admin drop; queued when the filter lists it", async () => {
    const s = await scenario(base, "hookadmin", { start: false });
    try {
      await withHook(s, ["queued", "failed", "canceled"]);
      const [a] = await s.send(["a@remote.example"]);
      const [b] = await s.send(["b@remote.example"]);
      await until(() => mine(s).length === 2, "two queued webhooks");
      await s.delivery.admin.fail([a!.queueMsgId]);
      await s.delivery.admin.drop([b!.queueMsgId]);
      svc.wake();
      await until(() => mine(s).length === 4, "fail and drop webhooks");
      const got = await checkPosts(s, mine(s));
      // Up to 4 POSTs per URL run at once: compare without arrival order.
      const key = (p: Record<string, unknown>) => `${p.QueueMsgID} ${p.Event}`;
      assert.deepEqual(got.map(key).sort(), [`${a!.queueMsgId} failed`, `${a!.queueMsgId} queued`, `${b!.queueMsgId} canceled`, `${b!.queueMsgId} queued`].sort());
      assert.match(String(got.find((p) => p.Event === "canceled")!.Error), /canceled by admin/);
    } finally {
      await s.stop();
    }
  });

  it("ends with exactly one delivered webhook after a temporary failure; the delayed one is posted or superseded", async () => {
    let tries = 0;
    const s = await scenario(base, "hookdelay", { script: { rcptTo: () => (tries++ === 0 ? { code: 451, text: "4.3.0 later" } : null) } });
    try {
      await withHook(s);
      const [m] = await s.send(["later@remote.example"]);
      await s.waitFor(["delivered"], 1);
      await until(() => mine(s).some((p) => JSON.parse(p.body.toString()).Event === "delivered"), "the delivered webhook");
      const events = (await checkPosts(s, mine(s))).map((p) => p.Event);
      assert.equal(events.filter((e) => e === "delivered").length, 1);
      assert.ok(events.every((e) => e === "delayed" || e === "delivered"));
      const all = { kind: "", event: "", status: "", since: null, until: null, cursor: "", limit: 10 };
      await until(async () => (await svc.methods.list(s.accountId, { ...all, status: "pending" })).webhooks.length === 0, "all retired");
      const rows = (await svc.methods.list(s.accountId, all)).webhooks;
      assert.ok(rows.every((r) => r.queueMsgId === m!.queueMsgId));
      const delayed = rows.find((r) => r.event === "delayed");
      if (delayed?.status === "superseded") assert.equal(delayed.supersededById, rows.find((r) => r.event === "delivered")!.id);
    } finally {
      await s.stop();
    }
  });

  it("queues nothing for an account without an outgoing webhook", async () => {
    const s = await scenario(base, "hooknone");
    try {
      await s.send(["ok@remote.example"]);
      await s.waitFor(["delivered"], 1);
      const r = await svc.methods.list(s.accountId, { kind: "", event: "", status: "", since: null, until: null, cursor: "", limit: 10 });
      assert.equal(r.webhooks.length, 0);
    } finally {
      await s.stop();
    }
  });
});
