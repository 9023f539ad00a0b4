// Receiver faults of docs/guarantees.md D3, D4, D5, D8: hanging, trickling, endless, redirecting,
// resetting receivers on real loopback sockets, with a short timeout instead of 30 s.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { once } from "node:events";
import { Webhook } from "standardwebhooks";
import { createConcurrencyLimiter } from "./limiter.js";
import { createWebhookPoster, type WebhookPoster, type WebhookRequest } from "./post.js";
import { generateSecret } from "./sign.js";
import { createDestinationGuard } from "./ssrf.js";
import { startReceiver, type Receiver } from "./test-receiver.js";

const TIMEOUT = 400;
const secret = generateSecret();

function request(url: string, over: Partial<WebhookRequest> = {}): WebhookRequest {
  return { url, body: '{"Version":0}', hookId: 9, webhookId: "msg_9", attempt: 1, secrets: [secret], ...over };
}

function posterFor(ports: number[], over: { now?: () => number } = {}): WebhookPoster {
  const guard = createDestinationGuard({ policy: { allow: ports.map((p) => `127.0.0.1:${p}`) } });
  return createWebhookPoster({ guard, version: "t", timeoutMs: TIMEOUT, ...over });
}

/** A raw TCP server, for answers node:http would not produce (trickled heads). */
async function rawServer(onConn: (s: net.Socket) => void): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer(onConn);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { port: (server.address() as net.AddressInfo).port, server };
}

describe("receiver faults", () => {
  let rx: Receiver;
  let poster: WebhookPoster;
  before(async () => {
    rx = await startReceiver();
    poster = posterFor([rx.port]);
  });
  after(async () => {
    poster.close();
    await rx.close();
  });

  test("a receiver that never answers times out and its socket is closed", async () => {
    let closed: Promise<unknown> | undefined;
    rx.handle((req) => {
      closed = once(req.socket, "close");
    });
    const r = await poster.post(request(rx.url()));
    assert.deepEqual([r.ok, r.status, r.failure], [false, 0, "timeout"]);
    assert.match(r.error!, /timeout after 400 ms waiting for response/);
    assert.ok(r.durationMs >= TIMEOUT - 20 && r.durationMs < TIMEOUT + 1000, String(r.durationMs));
    await closed;
  });

  test("a body trickling after a 200 head is cut off by the same deadline", async () => {
    let timer: NodeJS.Timeout | undefined;
    rx.handle((_req, res) => {
      res.writeHead(200);
      timer = setInterval(() => res.write("."), 50);
      res.on("close", () => clearInterval(timer));
    });
    const r = await poster.post(request(rx.url()));
    assert.deepEqual([r.ok, r.status, r.failure], [false, 200, "timeout"]);
    assert.match(r.error!, /reading response/);
    assert.ok(r.responseHead.length > 0 && r.responseHead.length < 20);
  });

  test("an endless response is read up to 1 KB, then the socket is closed", async () => {
    let written = 0;
    let closed: Promise<unknown> | undefined;
    rx.handle((_req, res) => {
      closed = once(res, "close");
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, "x");
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const r = await poster.post(request(rx.url()));
    assert.deepEqual([r.ok, r.status, r.error], [true, 200, null]);
    assert.equal(r.responseHead, "x".repeat(1024));
    assert.ok(r.durationMs < TIMEOUT, String(r.durationMs));
    await closed;
    assert.ok(written < 64 * 1024 * 1024, `server wrote ${written} bytes before the close`);
  });

  test("a 301 to another local port is a failure and is not followed", async () => {
    const target = await startReceiver();
    const p = posterFor([rx.port, target.port]);
    for (const status of [301, 302, 307, 308]) {
      rx.handle((_req, res) => {
        res.writeHead(status, { Location: target.url("/elsewhere") });
        res.end();
      });
      const r = await p.post(request(rx.url()));
      assert.deepEqual([r.ok, r.status, r.failure], [false, status, "redirect"]);
      assert.match(r.error!, new RegExp(`status ${status} to http://127.0.0.1:${target.port}/elsewhere`));
    }
    p.close();
    assert.equal(target.connections(), 0);
    await target.close();
  });

  test("a reset after the body was read fails; the retry has the same id, a new timestamp and verifies", async () => {
    let clock = Date.now();
    const p = posterFor([rx.port], { now: () => clock });
    rx.handle((req) => req.socket.destroy());
    const first = await p.post(request(rx.url()));
    assert.deepEqual([first.ok, first.status, first.failure], [false, 0, "network"]);
    clock += 61_000;
    rx.handle((_req, res) => res.end());
    const second = await p.post(request(rx.url(), { attempt: 2 }));
    p.close();
    assert.equal(second.ok, true);
    const [a, b] = rx.requests.slice(-2);
    assert.equal(a!.headers["webhook-id"], b!.headers["webhook-id"]);
    assert.equal(Number(b!.headers["webhook-timestamp"]) - Number(a!.headers["webhook-timestamp"]), 61);
    assert.equal(b!.headers["x-mox-webhook-attempt"], "2");
    assert.doesNotThrow(() => new Webhook(secret).verify(b!.body, b!.headers as Record<string, string>));
  });

  test("a pooled connection closed by the receiver on reuse is retried once on a fresh one", async () => {
    let served = 0;
    rx.handle((req, res) => {
      served++;
      if (served === 2) req.socket.destroy(); // second request arrives on the kept-alive socket
      else res.end("ok");
    });
    const before = rx.connections();
    assert.equal((await poster.post(request(rx.url()))).ok, true);
    const r = await poster.post(request(rx.url()));
    assert.equal(r.ok, true, r.error ?? "");
    assert.equal(served, 3);
    assert.equal(rx.connections() - before, 2);
  });
});

describe("trickled response head", () => {
  test("a head sent one byte at a time times out with no status", async () => {
    const sockets: net.Socket[] = [];
    const { port, server } = await rawServer((s) => {
      sockets.push(s);
      const head = Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
      let i = 0;
      const t = setInterval(() => (i < head.length && !s.destroyed ? s.write(head.subarray(i, ++i)) : clearInterval(t)), 40);
      s.on("close", () => clearInterval(t));
      s.on("error", () => {}); // reset by the client on timeout; expected
    });
    const p = posterFor([port]);
    try {
      const r = await p.post(request(`http://127.0.0.1:${port}/`));
      assert.deepEqual([r.ok, r.status, r.failure], [false, 0, "timeout"]);
      // The client gave up: the server side sees its socket close.
      await Promise.all(sockets.map((s) => (s.destroyed ? undefined : new Promise((r) => s.on("close", r)))));
    } finally {
      p.close();
      server.close();
    }
  });
});

describe("concurrency with a slow receiver (D3)", () => {
  test("a hanging URL fills only its own slots; another URL keeps flowing", async () => {
    const slow = await startReceiver(() => {});
    const fast = await startReceiver();
    const p = posterFor([slow.port, fast.port]);
    const limiter = createConcurrencyLimiter({ perKey: 4, overall: 64 });
    const slowUrl = slow.url();
    const pending: Promise<unknown>[] = [];
    while (limiter.tryAcquire(slowUrl)) {
      pending.push(p.post(request(slowUrl)).finally(() => limiter.release(slowUrl)));
    }
    assert.equal(pending.length, 4);
    assert.deepEqual(limiter.saturatedKeys(), [slowUrl]);
    const t0 = Date.now();
    for (let i = 0; i < 8; i++) {
      assert.equal(limiter.tryAcquire(fast.url()), true);
      const r = await p.post(request(fast.url()));
      limiter.release(fast.url());
      assert.equal(r.ok, true);
    }
    assert.ok(Date.now() - t0 < TIMEOUT, "fast URL was held back");
    await Promise.all(pending);
    assert.equal(limiter.inFlight(), 0);
    p.close();
    await Promise.all([slow.close(), fast.close()]);
  });
});
