// The webhook extension methods through the webapi (app.request), with the real webhooks service
// on the same database delivering to a receiver on loopback that verifies every signature.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { startApiEnv, type ApiEnv } from "../../src/api/test-env.js";
import { webhookRoutes } from "../../src/api/routes/webhooks.js";
import { exampleBody } from "../../src/events/index.js";
import { silentLogger } from "../../src/log/index.js";
import { createWebhooks, type WebhookMethods, type Webhooks } from "../../src/webhooks/index.js";
import { startReceiver, type Receiver } from "../../src/webhooks/test-receiver.js";

describe("webhook methods over the webapi", () => {
  let env: ApiEnv;
  let svc: Webhooks;
  let rx: Receiver;
  let status = 200;
  const auth = { user: "mjl@mox.example" };

  before(async () => {
    rx = await startReceiver((_req, res) => {
      res.writeHead(status);
      res.end(`answer ${status}`);
    });
    // The API is built before the service exists: delegate to it once it does.
    const late = new Proxy({} as WebhookMethods, { get: (_t, k: keyof WebhookMethods) => svc.methods[k] });
    env = await startApiEnv({ methods: webhookRoutes(late) });
    svc = createWebhooks({
      database: env.t.database,
      log: silentLogger(),
      clock: env.clock,
      eventLog: env.eventLog,
      version: "0.1.0-test",
      random: () => 0.5,
      config: { concurrencyPerUrl: 4, concurrency: 16, timeoutMs: 2000, allowHosts: [`127.0.0.1:${rx.port}`], allowLoopback: false, timeScale: 1, pollMs: 100 },
    });
    env.eventLog.setAppendHook(svc.appendHook);
    await svc.start();
  });
  after(async () => {
    await svc.stop();
    await env.close();
    await rx.close();
  });

  const call = async (method: string, request: unknown) => {
    const r = await env.post(method, request, auth);
    assert.equal(r.status, 200, `${method}: ${r.text}`);
    return r.json;
  };
  const until = async (check: () => Promise<boolean>, what: string) => {
    const end = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const list = (req: Record<string, unknown> = {}) => call("WebhookList", req);

  it("serves form pages for the six methods, listed as extensions", async () => {
    const index = await (await env.fetch("/webapi/v0/")).text();
    for (const m of ["WebhookConfigGet", "WebhookConfigSet", "WebhookList", "WebhookGet", "WebhookRedeliver", "WebhookTest"]) {
      assert.ok(index.includes(`href="${m}"`), m);
      const page = await env.fetch(`/webapi/v0/${m}`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<textarea id="webapirequest"/);
    }
  });

  it("sets and gets the settings; refuses a loopback URL outside the allow-list and unknown events", async () => {
    const empty = await call("WebhookConfigGet", {});
    assert.deepEqual([empty.IncomingWebhook, empty.OutgoingWebhook, empty.Secrets], [null, null, []]);
    const set = await call("WebhookConfigSet", {
      IncomingWebhook: { URL: rx.url("/in"), Authorization: "Bearer in" },
      OutgoingWebhook: { URL: rx.url("/out"), Events: ["delivered", "failed"] },
    });
    assert.deepEqual(set.IncomingWebhook, { URL: rx.url("/in"), Authorization: "Bearer in", Source: "api", Disabled: false, DisabledAt: null, DisabledReason: "" });
    assert.deepEqual(set.OutgoingWebhook.Events, ["delivered", "failed"]);
    assert.equal(set.Secrets.length, 1);
    assert.deepEqual(await call("WebhookConfigGet", {}), set);
    for (const [req, pattern] of [
      [{ IncomingWebhook: { URL: "http://127.0.0.1:1/" } }, /refused/],
      [{ OutgoingWebhook: { URL: rx.url(), Events: ["bounced"] } }, /unknown outgoing webhook event/],
    ] as const) {
      const r = await env.post("WebhookConfigSet", req, auth);
      assert.equal(r.status, 400);
      assert.equal(r.json.Code, "user");
      assert.match(r.json.Message, pattern);
    }
  });

  it("delivers a received message's webhook, lists it with filters and paging, and shows every attempt", async () => {
    for (let i = 0; i < 5; i++) await env.seed(env.mjl, `Subject: hi ${i}\r\n\r\nhello\r\n`);
    await until(async () => (await list({ Status: "delivered" })).Webhooks.length === 5, "5 delivered");
    const page1 = await list({ Kind: "incoming", Limit: 2 });
    const page2 = await list({ Kind: "incoming", Limit: 2, Cursor: page1.NextCursor });
    const page3 = await list({ Kind: "incoming", Limit: 2, Cursor: page2.NextCursor });
    const ids = [...page1.Webhooks, ...page2.Webhooks, ...page3.Webhooks].map((w: { ID: number }) => w.ID);
    assert.equal(ids.length, 5);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), "newest first");
    assert.equal(page3.NextCursor, "");
    assert.equal((await list({ Kind: "outgoing" })).Webhooks.length, 0);
    assert.equal((await list({ Event: "incoming", Status: "pending" })).Webhooks.length, 0);
    assert.equal((await list({ Since: new Date(env.clock.now() + 1000).toISOString() })).Webhooks.length, 0);
    const one = await call("WebhookGet", { ID: ids[0] });
    assert.equal(one.Kind, "incoming");
    assert.equal(one.Status, "delivered");
    assert.equal(one.Authorization, true);
    assert.equal(one.Payload, "{}");
    assert.deepEqual(one.Results.map((r: { Attempt: number; Code: number; Success: boolean; Response: string }) => [r.Attempt, r.Code, r.Success, r.Response]), [[1, 200, true, "answer 200"]]);
    const bad = await env.post("WebhookList", { Status: "lost" }, auth);
    assert.equal(bad.json.Code, "user");
  });

  it("keeps other accounts' webhooks out of reach", async () => {
    const [w] = (await list({ Limit: 1 })).Webhooks;
    const r = await env.post("WebhookGet", { ID: w.ID }, { user: "other@other.example", password: "otherpw" });
    assert.equal(r.status, 400);
    assert.match(r.json.Message, /not found/);
    const r2 = await env.post("WebhookRedeliver", { ID: w.ID }, { user: "other@other.example", password: "otherpw" });
    assert.match(r2.json.Message, /not found/);
  });

  it("lists a webhook that failed all 12 attempts as failed, and redelivers it with the same ids", async () => {
    status = 503;
    const before = rx.requests.length;
    await env.seed(env.mjl, "Subject: down\r\n\r\nhello\r\n");
    const [w] = (await list({ Limit: 1 })).Webhooks;
    for (let n = 1; n <= 12; n++) {
      await until(async () => {
        const d = await call("WebhookGet", { ID: w.ID });
        return d.Attempts === n && d.Results[n - 1].Code === 503;
      }, `attempt ${n}`);
      const d = await call("WebhookGet", { ID: w.ID });
      if (d.NextAttempt) env.clock.set(Date.parse(d.NextAttempt));
      svc.wake();
    }
    await until(async () => (await call("WebhookGet", { ID: w.ID })).Status === "failed", "failed");
    assert.equal(rx.requests.length - before, 12);
    assert.deepEqual((await list({ Status: "failed" })).Webhooks.map((x: { ID: number }) => x.ID), [w.ID]);
    assert.equal((await env.post("WebhookRedeliver", { ID: (await list({ Status: "pending" })).Webhooks[0]?.ID ?? 0 }, auth)).status, 400);

    status = 200;
    const re = (await call("WebhookRedeliver", { ID: w.ID })).Webhook;
    assert.notEqual(re.ID, w.ID);
    assert.equal(re.WebhookID, w.WebhookID);
    assert.equal(re.MoxWebhookID, w.ID);
    await until(async () => (await call("WebhookGet", { ID: re.ID })).Status === "delivered", "redelivered");
    const last = rx.requests[rx.requests.length - 1]!;
    assert.equal(last.headers["webhook-id"], w.WebhookID);
    assert.equal(last.headers["x-mox-webhook-id"], String(w.ID));
    assert.equal(last.headers["x-mox-webhook-attempt"], "1");
    const secret = (await call("WebhookConfigGet", {})).Secrets[0];
    new Webhook(secret).verify(last.body.toString(), last.headers as Record<string, string>);
  });

  it("POSTs a test payload now and returns the receiver's answer", async () => {
    const r = await call("WebhookTest", { Kind: "outgoing" });
    assert.deepEqual([r.URL, r.Status, r.Success, r.Error, r.Response], [rx.url("/out"), 200, true, "", "answer 200"]);
    const got = rx.requests[rx.requests.length - 1]!;
    assert.equal(got.body.toString(), exampleBody("webhook-outgoing-delivered"));
    assert.equal(got.headers["x-mox-webhook-id"], "1");
    assert.equal(got.headers["webhook-id"], r.WebhookID);
    const secret = (await call("WebhookConfigGet", {})).Secrets[0];
    new Webhook(secret).verify(got.body.toString(), got.headers as Record<string, string>);
    const inc = await call("WebhookTest", { Example: "webhook-incoming-basic" });
    assert.equal(inc.URL, rx.url("/in"));
    status = 500;
    const failed = await call("WebhookTest", { Example: "webhook-outgoing-dsn-failed", URL: rx.url("/elsewhere") });
    assert.deepEqual([failed.Status, failed.Success, failed.Error], [500, false, "http status 500"]);
    status = 200;
    const refused = await call("WebhookTest", { Kind: "incoming", URL: "http://169.254.169.254/" });
    assert.equal(refused.Success, false);
    assert.match(refused.Error, /refused/);
  });
});
