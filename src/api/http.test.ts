// The webapi over real HTTP on @hono/node-server: raw request paths the URL parser would
// normalise, and oversized bodies refused without buffering (docs/guarantees.md C5–C7).
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { basic, listen, pw0, startApiEnv, type ApiEnv } from "./test-env.js";

type RawResult = { status: number; body: string; sent: number };

/** Sends a request with exact path and headers; the body is produced chunk by chunk until answered. */
function rawRequest(port: number, o: { method?: string; path: string; headers?: Record<string, string | number>; chunks?: Iterable<Buffer> }): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    // A keep-alive connection of its own (the server drains a refused body for a moment, as Go
    // does, so the client reads the answer; a connection mid-drain is not one to reuse).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const req = http.request({ host: "127.0.0.1", port, method: o.method ?? "GET", path: o.path, headers: o.headers, agent }, (res) => {
      answered = true;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body, sent });
        req.destroy();
        agent.destroy();
      });
    });
    req.on("error", (err) => (answered ? undefined : reject(err)));
    const it = (o.chunks ?? [])[Symbol.iterator]();
    const pump = (): void => {
      for (;;) {
        if (answered || req.destroyed) return;
        const n = it.next();
        if (n.done) return void req.end();
        sent += n.value.length;
        if (!req.write(n.value)) return void req.once("drain", pump);
      }
    };
    pump();
  });
}

function* repeat(chunk: Buffer, total: number): Generator<Buffer> {
  for (let n = 0; n < total; n += chunk.length) yield chunk;
}

describe("webapi over HTTP", () => {
  let env: ApiEnv;
  let server: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    env = await startApiEnv();
    server = await listen(env.app);
  });
  after(async () => {
    await server.close();
    await env.close();
  });

  it("answers a Go-client style call with the peer address as client IP", async () => {
    const r = await fetch(`${server.url}/webapi/v0/SuppressionList`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: basic("mjl@mox.example", pw0) },
      body: "request=%7B%7D",
    });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), '{"Suppressions":[]}\n');
    assert.equal(r.headers.get("x-frame-options"), "deny");
  });

  it("refuses dot segments in the raw path with 404 instead of resolving them", async () => {
    for (const path of ["/webapi/v0/%2e%2e/", "/webapi/v0/../v0/Send", "/webapi/v0/%2E%2e/admin", "/webapi/v0/./Send", "/webapi/v0/.%2e/"]) {
      for (const method of ["GET", "POST"]) {
        const r = await rawRequest(server.port, { method, path, headers: { Authorization: basic("mjl@mox.example", pw0) } });
        assert.equal(r.status, 404, `${method} ${path}`);
        assert.equal(r.body, "404 page not found\n");
      }
    }
  });

  it("refuses a 100 MB urlencoded request from its Content-Length, without reading it", async () => {
    const total = 100 << 20;
    const r = await rawRequest(server.port, {
      method: "POST",
      path: "/webapi/v0/Send",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": total, Authorization: basic("mjl@mox.example", pw0) },
      chunks: [Buffer.from("request="), ...repeat(Buffer.alloc(1 << 16, 0x61), total - 8)],
    });
    // mox (Go's form parsing) answers a body over the limit with 400 and a JSON protocol error.
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.body), { Code: "protocol", Message: "parsing form: http: POST too large" });
    // The answer came before the body: the server read at most what was sent by then.
    assert.ok(r.sent < 70 << 20, `stopped early (${r.sent} bytes sent)`);
  });

  it("refuses a streamed 100 MB multipart request field once it passes 10 MiB", async () => {
    const boundary = "XyZ";
    const total = 100 << 20;
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="request"\r\n\r\n`);
    const r = await rawRequest(server.port, {
      method: "POST",
      path: "/webapi/v0/Send",
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, "Transfer-Encoding": "chunked", Authorization: basic("mjl@mox.example", pw0) },
      chunks: [head, ...repeat(Buffer.alloc(1 << 16, 0x7b), total)],
    });
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).Code, "protocol");
    assert.match(JSON.parse(r.body).Message, /^parsing form: multipart: message too large \(form field "request" over 10485760 bytes\)/);
    assert.ok(r.sent < 70 << 20, `stopped early (${r.sent} bytes sent)`);
  });

  it("refuses a chunked urlencoded body over 10 MiB and keeps serving", async () => {
    const r = await rawRequest(server.port, {
      method: "POST",
      path: "/webapi/v0/SuppressionList",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked", Authorization: basic("mjl@mox.example", pw0) },
      chunks: [Buffer.from("request="), ...repeat(Buffer.alloc(1 << 16, 0x61), 20 << 20)],
    });
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.body), { Code: "protocol", Message: "parsing form: http: POST too large" });
    const ok = await fetch(`${server.url}/webapi/v0/`);
    assert.equal(ok.status, 200);
  });

  it("answers 401 before reading the body of an unauthenticated large request", async () => {
    const r = await rawRequest(server.port, {
      method: "POST",
      path: "/webapi/v0/Send",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": 50 << 20 },
      chunks: repeat(Buffer.alloc(1 << 16, 0x61), 50 << 20),
    });
    assert.equal(r.status, 401);
  });
});

describe("webapi over HTTP: uploads refused at the limit while streaming", () => {
  let env: ApiEnv;
  let server: Awaited<ReturnType<typeof listen>>;
  // A 4 MiB message limit: uploads past 3 MiB cannot fit once base64-encoded.
  const maxMessageSize = 4 << 20;
  before(async () => {
    env = await startApiEnv({ maxMessageSize, maxRequestSize: 16 << 20 });
    server = await listen(env.app);
  });
  after(async () => {
    await server.close();
    await env.close();
  });

  const boundary = "b0undary";
  const field = (name: string, value: string) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const fileHead = (name: string, filename: string) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/pdf\r\n\r\n`);
  const request = JSON.stringify({ To: [{ Address: "x@remote.example" }], Subject: "upload", Text: "see attached" });
  const send = (chunks: Iterable<Buffer>) =>
    rawRequest(server.port, {
      method: "POST",
      path: "/webapi/v0/Send",
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, "Transfer-Encoding": "chunked", Authorization: basic("mjl@mox.example", pw0) },
      chunks,
    });

  it("refuses a streamed 100 MB upload as messageTooLarge once it passes what a message can hold", async () => {
    const r = await send([field("request", request), fileHead("attachedfile", "big.pdf"), ...repeat(Buffer.alloc(1 << 16, 0x25), 100 << 20)]);
    assert.equal(r.status, 400, r.body);
    assert.equal(JSON.parse(r.body).Code, "messageTooLarge");
    // Answered at the limit: the client was still sending (it had 100 MB to go).
    assert.ok(r.sent < 20 << 20, `stopped early (${r.sent} bytes sent)`);
    assert.equal(await env.delivery.admin.list({}).then((l) => l.length), 0, "nothing queued");
  });

  it("counts every uploaded file against the limit", async () => {
    const two = (n: number) => [fileHead("attachedfile", `a${n}.pdf`), ...repeat(Buffer.alloc(1 << 16, 0x25), 2 << 20), Buffer.from("\r\n")];
    const r = await send([field("request", request), ...two(1), ...two(2), Buffer.from(`--${boundary}--\r\n`)]);
    assert.equal(r.status, 400, r.body);
    assert.equal(JSON.parse(r.body).Code, "messageTooLarge");
  });

  it("refuses a whole body over maxRequestSize with a JSON protocol error, not 413", async () => {
    const r = await send([field("request", request), fileHead("unrelated", "x.bin"), ...repeat(Buffer.alloc(1 << 16, 0x25), 40 << 20)]);
    assert.equal(r.status, 400, r.body);
    assert.deepEqual(JSON.parse(r.body), { Code: "protocol", Message: "parsing form: http: request body too large" });
    assert.ok(r.sent < 32 << 20, `stopped early (${r.sent} bytes sent)`);
  });

  it("accepts an upload that fits", async () => {
    const r = await send([field("request", request), fileHead("attachedfile", "ok.pdf"), ...repeat(Buffer.alloc(1 << 16, 0x25), 1 << 20), Buffer.from(`\r\n--${boundary}--\r\n`)]);
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).Submissions.length, 1);
  });
});
