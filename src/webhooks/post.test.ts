import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { exampleBody } from "../events/index.js";
import { createWebhookPoster, type WebhookPoster, type WebhookRequest } from "./post.js";
import { generateSecret } from "./sign.js";
import { createDestinationGuard, type ResolveHost } from "./ssrf.js";
import { startReceiver, type Receiver } from "./test-receiver.js";

const BODY = exampleBody("webhook-outgoing-delivered");
const secret = generateSecret();

function request(url: string, over: Partial<WebhookRequest> = {}): WebhookRequest {
  return { url, body: BODY, hookId: 123, webhookId: "msg_123", attempt: 1, secrets: [secret], ...over };
}

/** Verifies the way a receiver would, with the reference Standard Webhooks library. */
function verify(s: string, headers: Record<string, string | string[] | undefined>, body: Buffer): unknown {
  return new Webhook(s).verify(body, headers as Record<string, string>);
}

describe("webhook POST to a real receiver", () => {
  let rx: Receiver;
  let poster: WebhookPoster;
  before(async () => {
    rx = await startReceiver();
    const guard = createDestinationGuard({ policy: { allow: [`127.0.0.1:${rx.port}`] } });
    poster = createWebhookPoster({ guard, version: "1.2.3" });
  });
  after(async () => {
    poster.close();
    await rx.close();
  });

  test("sends mox and Standard Webhooks headers and a body that verifies", async () => {
    rx.handle((_req, res) => res.end("thanks"));
    const before = rx.requests.length;
    const r = await poster.post(request(rx.url("/hook?x=1"), { authorization: "Basic dXNlcjpwYXNz", attempt: 3 }));
    assert.equal(r.ok, true);
    assert.equal(r.status, 200);
    assert.equal(r.error, null);
    assert.equal(r.responseHead, "thanks");
    assert.equal(r.disable, false);
    const got = rx.requests[before]!;
    assert.equal(got.method, "POST");
    assert.equal(got.path, "/hook?x=1");
    assert.equal(got.body.toString(), BODY);
    assert.equal(got.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(got.headers["content-length"], String(Buffer.byteLength(BODY)));
    assert.equal(got.headers["user-agent"], "postwire/1.2.3 (webhook)");
    assert.equal(got.headers["x-mox-webhook-id"], "123");
    assert.equal(got.headers["x-mox-webhook-attempt"], "3");
    assert.equal(got.headers.authorization, "Basic dXNlcjpwYXNz");
    assert.equal(got.headers["webhook-id"], "msg_123");
    assert.equal(got.headers["webhook-timestamp"], String(r.timestamp));
    assert.deepEqual(verify(secret, got.headers, got.body), JSON.parse(BODY));
  });

  test("omits Authorization when not configured", async () => {
    rx.handle((_req, res) => res.end());
    await poster.post(request(rx.url()));
    assert.equal(rx.requests.at(-1)!.headers.authorization, undefined);
  });

  test("during rotation sends two signatures and each secret verifies", async () => {
    rx.handle((_req, res) => res.end());
    const next = generateSecret();
    const r = await poster.post(request(rx.url(), { secrets: [next, secret] }));
    assert.equal(r.ok, true);
    const got = rx.requests.at(-1)!;
    assert.equal(String(got.headers["webhook-signature"]).split(" ").length, 2);
    assert.doesNotThrow(() => verify(next, got.headers, got.body));
    assert.doesNotThrow(() => verify(secret, got.headers, got.body));
    assert.throws(() => verify(generateSecret(), got.headers, got.body));
  });

  for (const status of [200, 204, 299]) {
    test(`status ${status} is success`, async () => {
      rx.handle((_req, res) => {
        res.statusCode = status;
        res.end();
      });
      const r = await poster.post(request(rx.url()));
      assert.deepEqual([r.ok, r.status, r.error, r.failure], [true, status, null, undefined]);
    });
  }

  test("500 is a failure without Retry-After", async () => {
    rx.handle((_req, res) => {
      res.statusCode = 500;
      res.end("boom");
    });
    const r = await poster.post(request(rx.url()));
    assert.deepEqual([r.ok, r.status, r.failure, r.error, r.responseHead], [false, 500, "status", "http status 500", "boom"]);
    assert.equal(r.retryAfterMs, undefined);
    assert.equal(r.disable, false);
  });

  test("503 with Retry-After: 120 is a failure that asks for 120 s", async () => {
    rx.handle((_req, res) => {
      res.writeHead(503, { "Retry-After": "120" });
      res.end();
    });
    const r = await poster.post(request(rx.url()));
    assert.deepEqual([r.ok, r.status, r.retryAfterMs], [false, 503, 120_000]);
  });

  test("429 with an HTTP-date Retry-After is a failure with the delay from the poster's clock", async () => {
    const now = Date.UTC(2015, 9, 21, 7, 27, 0);
    const guard = createDestinationGuard({ policy: { allow: [`127.0.0.1:${rx.port}`] } });
    const p = createWebhookPoster({ guard, version: "t", now: () => now });
    rx.handle((_req, res) => {
      res.writeHead(429, { "Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT" });
      res.end();
    });
    const r = await p.post(request(rx.url()));
    p.close();
    assert.deepEqual([r.ok, r.status, r.retryAfterMs, r.timestamp], [false, 429, 60_000, now / 1000]);
  });

  test("410 is a failure that asks to disable the endpoint", async () => {
    rx.handle((_req, res) => {
      res.statusCode = 410;
      res.end();
    });
    const r = await poster.post(request(rx.url()));
    assert.deepEqual([r.ok, r.status, r.disable], [false, 410, true]);
  });

  test("a header value Node refuses yields a result, not a throw", async () => {
    const r = await poster.post(request(rx.url(), { authorization: "Bearer x\r\nX-Evil: 1" }));
    assert.deepEqual([r.ok, r.status, r.failure], [false, 0, "invalid-request"]);
  });

  test("a malformed secret yields a result, not a throw", async () => {
    const r = await poster.post(request(rx.url(), { secrets: ["nope"] }));
    assert.deepEqual([r.ok, r.failure], [false, "invalid-request"]);
    assert.ok(!r.error!.includes("nope"));
  });
});

describe("SSRF guard on the POST path (docs/guarantees.md D6, D7)", () => {
  let rx: Receiver;
  before(async () => {
    rx = await startReceiver();
  });
  after(() => rx.close());

  test("loopback receiver is refused when not allow-listed, and sees nothing", async () => {
    const poster = createWebhookPoster({ guard: createDestinationGuard(), version: "t" });
    for (const host of ["127.0.0.1", "[::ffff:127.0.0.1]", "2130706433", "0177.0.0.1", "0x7f.1", "localhost."]) {
      const r = await poster.post(request(`http://${host}:${rx.port}/`));
      assert.deepEqual([r.ok, r.failure, r.status], [false, "refused", 0], host);
    }
    const cred = await poster.post(request(`http://a@127.0.0.1:${rx.port}/`));
    assert.equal(cred.failure, "invalid-request");
    poster.close();
    assert.equal(rx.connections(), 0);
  });

  test("a name rebinding from a public address to 127.0.0.1 is refused at connect time", async () => {
    let calls = 0;
    const rebinding: ResolveHost = async () =>
      calls++ === 0 ? [{ address: "93.184.216.34", family: 4 }] : [{ address: "127.0.0.1", family: 4 }];
    const guard = createDestinationGuard({ resolve: rebinding });
    const url = `http://rebind.test:${rx.port}/`;
    await guard.checkDestination(url); // configured while it pointed at a public address
    const poster = createWebhookPoster({ guard, version: "t" });
    const r = await poster.post(request(url));
    poster.close();
    assert.deepEqual([r.ok, r.failure], [false, "refused"]);
    assert.match(r.error!, /127\.0\.0\.1 is loopback/);
    assert.equal(calls, 2);
    assert.equal(rx.connections(), 0);
  });

  test("an allow-listed name connects through the injected resolver", async () => {
    const resolve: ResolveHost = async (host) => (host === "hook.test" ? [{ address: "127.0.0.1", family: 4 }] : []);
    const guard = createDestinationGuard({ resolve, policy: { allow: ["hook.test"] } });
    const poster = createWebhookPoster({ guard, version: "t" });
    const r = await poster.post(request(`http://hook.test:${rx.port}/x`));
    poster.close();
    assert.equal(r.ok, true, r.error ?? "");
    assert.equal(rx.requests.at(-1)!.headers.host, `hook.test:${rx.port}`);
  });
});
