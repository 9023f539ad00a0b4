// Observability end to end: real SMTP mail (nodemailer) into the MX and through submission to a
// smarthost, a real webhook receiver, a failed AUTH; then /metrics scraped over HTTP and parsed
// from the Prometheus text format, and the log lines of the documented vocabulary read back
// from the JSON the logger wrote. /healthz and /readyz, a bearer token and the separate listener.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import nodemailer from "nodemailer";
import WebSocket from "ws";
import { startTestMx, type TestMx } from "../../src/delivery/test-mx.js";
import { createLogger } from "../../src/log/index.js";
import { startReceiver, type Receiver } from "../../src/webhooks/test-receiver.js";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { createTestDatabaseUrl, onPostgres } from "../helpers/db.js";

/** One sample of the exposition: metric name, labels, value. */
type Sample = { name: string; labels: Record<string, string>; value: number };

/** Parses Prometheus text format 0.0.4 (samples only; HELP/TYPE lines are checked to exist). */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const hit = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hit.reduce((a, s) => a + s.value, 0);
}

async function scrape(port: number, headers: Record<string, string> = {}): Promise<{ status: number; type: string; samples: Sample[]; types: Map<string, string> }> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers });
  const text = await r.text();
  if (r.status !== 200) return { status: r.status, type: "", samples: [], types: new Map() };
  return { status: r.status, type: r.headers.get("content-type") ?? "", ...parseExposition(text) };
}

async function until<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A logger writing JSON lines into an array. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split("\n").filter(Boolean)) {
        raw.push(l);
        lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { log: createLogger({ level: "info", destination: sink }), lines, raw };
}

describe("metrics, health and the log vocabulary", () => {
  let app: TestApp;
  let relay: TestMx;
  let receiver: Receiver;
  const cap = capturingLogger();

  before(async () => {
    relay = await startTestMx({
      rcptTo: (r) =>
        r.startsWith("refused") ? { code: 550, text: "5.1.1 no such user" } : r.startsWith("later") ? { code: 451, text: "4.3.0 try again later" } : null,
    });
    receiver = await startReceiver();
    app = await startTestApp({
      log: cap.log,
      config: { delivery: { smarthost: `127.0.0.1:${relay.port}` }, queue: { timeScale: 1000 } },
      overrides: { webhooksAllowLoopback: true },
      beforeStart: (dir) => ({
        accounts: [
          { name: "alice", passwordFile: join(dir, "password"), addresses: ["alice@example.test"], incomingWebhook: { url: receiver.url("/hook?token=s3cret") } },
          { name: "bob", passwordFile: join(dir, "password"), addresses: ["bob@example.test"] },
        ],
      }),
    });
  });
  after(async () => {
    await app?.cleanup();
    await relay?.close();
    await receiver?.close();
  });

  it("counts real SMTP traffic, deliveries, webhooks and failed logins; /metrics parses", async () => {
    const before = await scrape(app.ports.http!);
    assert.equal(before.status, 200);
    const mx = nodemailer.createTransport({ host: "127.0.0.1", port: app.ports.smtp!, secure: false, ignoreTLS: true });
    for (let i = 0; i < 3; i++) await mx.sendMail({ from: "someone@remote.test", to: "alice@example.test", subject: `in ${i}`, text: "hello\n" });
    mx.close();
    const bad = nodemailer.createTransport({ host: "127.0.0.1", port: app.ports.submission!, secure: false, ignoreTLS: true, auth: { user: "bob@example.test", pass: "not-the-password" } });
    await assert.rejects(bad.sendMail({ from: "bob@example.test", to: "x@remote.test", text: "x" }), /535/);
    bad.close();
    const sub = nodemailer.createTransport({ host: "127.0.0.1", port: app.ports.submission!, secure: false, ignoreTLS: true, auth: { user: "bob@example.test", pass: testPassword } });
    await sub.sendMail({ from: "bob@example.test", to: ["friend@remote.test", "refused@remote.test"], subject: "out", text: "bye\n" });
    sub.close();
    await until("three webhook POSTs", async () => receiver.requests.length >= 3);
    await until("the delivery attempt logged", async () => cap.lines.some((l) => l.msg === "delivery attempt"));

    const m = await until("counters to move", async () => {
      const s = await scrape(app.ports.http!);
      return value(s.samples, "postwire_webhook_attempts_total", { status: "200" }) >= 3 ? s : undefined;
    });
    assert.match(m.type, /^text\/plain; version=0\.0\.4/);
    const moved = (name: string, labels: Record<string, string> = {}) => value(m.samples, name, labels) - value(before.samples, name, labels);
    assert.equal(moved("postwire_messages_accepted_total", { listener: "mx" }), 3);
    assert.equal(moved("postwire_messages_accepted_total", { listener: "submission" }), 1);
    assert.ok(moved("postwire_smtp_sessions_total", { listener: "mx" }) >= 1);
    assert.ok(moved("postwire_smtp_replies_total", { listener: "mx", code: "250" }) >= 3 * 4, "EHLO, MAIL, RCPT, DATA per message");
    assert.ok(moved("postwire_smtp_replies_total", { listener: "mx", code: "354" }) >= 3);
    assert.equal(moved("postwire_smtp_replies_total", { listener: "submission", code: "535" }), 1);
    assert.equal(moved("postwire_auth_failures_total", { protocol: "smtp" }), 1);
    // One SMTP transaction for both recipients: one accepted, one refused with 550: permanent.
    assert.equal(moved("postwire_delivery_attempt_duration_seconds_count"), 1);
    assert.equal(moved("postwire_delivery_attempt_duration_seconds_count", { result: "permanent" }), 1);
    assert.equal(moved("postwire_webhook_attempt_duration_seconds_count", { status: "2xx" }), 3);
    assert.ok(moved("postwire_db_commit_duration_seconds_count", { outcome: "committed" }) >= 4);
    assert.ok(moved("postwire_db_commit_works_total") >= 4);
    assert.equal(m.types.get("postwire_webhook_attempt_duration_seconds"), "histogram");
    assert.equal(value(m.samples, "postwire_db_up"), 1);
    assert.ok(m.samples.some((s) => s.name === "postwire_queue_jobs" && s.labels.kind === "webhook" && s.labels.state === "due"));
    assert.ok(m.samples.some((s) => s.name === "postwire_queue_oldest_seconds"));
    assert.equal(value(m.samples, "postwire_stream_subscribers"), 0);
    assert.ok(value(m.samples, "postwire_db_pool_max") >= 1);
    assert.ok(m.samples.some((s) => s.name === "nodejs_eventloop_lag_seconds"), "prom-client default metrics");
    assert.ok(m.samples.some((s) => s.name === "process_resident_memory_bytes"));
  });

  it("queue gauges see a deferred delivery waiting for its retry, with its age", async () => {
    // The relay answers 451 for this recipient: the job waits for its next attempt.
    const sub = nodemailer.createTransport({ host: "127.0.0.1", port: app.ports.submission!, secure: false, ignoreTLS: true, auth: { user: "bob@example.test", pass: testPassword } });
    await sub.sendMail({ from: "bob@example.test", to: "later@remote.test", subject: "deferred", text: "x\n" });
    sub.close();
    const s = await until("a waiting delivery job", async () => {
      const r = await scrape(app.ports.http!);
      return value(r.samples, "postwire_queue_jobs", { kind: "delivery", state: "waiting" }) >= 1 ? r : undefined;
    });
    assert.ok(value(s.samples, "postwire_queue_oldest_seconds", { kind: "delivery", state: "waiting" }) > 0);
    assert.ok(value(s.samples, "postwire_delivery_attempt_duration_seconds_count", { result: "temporary" }) >= 1);
    const queued = await app.delivery.admin.list({ retired: false });
    await app.delivery.admin.drop(queued.map((q) => q.id));
  });

  it("counts event stream subscribers while they are connected", async () => {
    const auth = "Basic " + Buffer.from(`alice@example.test:${testPassword}`).toString("base64");
    const ws = new WebSocket(`ws://127.0.0.1:${app.ports.http}/webapi/v0/events`, { headers: { authorization: auth }, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    await until("one subscriber", async () => value((await scrape(app.ports.http!)).samples, "postwire_stream_subscribers") === 1);
    ws.close();
    await until("none", async () => value((await scrape(app.ports.http!)).samples, "postwire_stream_subscribers") === 0);
  });

  it("logs one line per accepted message, delivery attempt, webhook attempt and failed login", () => {
    const accepted = cap.lines.filter((l) => l.msg === "message accepted");
    const mx = accepted.filter((l) => l.listener === "mx");
    assert.equal(mx.length, 3);
    for (const l of mx) {
      assert.equal(l.level, 30);
      assert.equal(l.mailFrom, "someone@remote.test");
      assert.equal(l.rcpts, 1);
      assert.equal(l.remoteIp, "127.0.0.1");
      assert.equal(l.tls, false);
      assert.equal(l.auth, null);
      assert.ok(typeof l.size === "number" && l.size > 0);
      assert.ok(Array.isArray(l.msgIds) && (l.msgIds as number[]).length === 1);
      assert.ok(typeof l.cid === "string");
    }
    const sub = accepted.find((l) => l.listener === "submission");
    assert.ok(sub);
    assert.equal(sub.auth, "bob@example.test");
    assert.equal(sub.rcpts, 2);
    assert.match(String(sub.messageId), /^<.+@.+>$/);

    const attempt = cap.lines.find((l) => l.msg === "delivery attempt" && l.rcpts === 2);
    assert.ok(attempt, "one attempt for the two recipients of one domain");
    assert.equal(attempt.domain, "remote.test");
    assert.equal(attempt.host, "127.0.0.1");
    assert.equal(attempt.port, relay.port);
    assert.equal(attempt.result, "permanent");
    assert.equal(attempt.code, 550);
    assert.ok(typeof attempt.durationMs === "number");
    assert.equal((attempt.msgIds as number[]).length, 2);

    const hooks = cap.lines.filter((l) => l.msg === "webhook attempt");
    assert.ok(hooks.length >= 3);
    for (const h of hooks) {
      assert.equal(h.status, 200);
      assert.equal(h.host, `127.0.0.1:${receiver.port}`);
      assert.equal(h.attempt, 1);
      assert.ok(typeof h.webhook === "number" && typeof h.durationMs === "number");
    }
    assert.ok(!cap.raw.some((l) => l.includes("s3cret")), "the webhook URL's query is not logged");

    const failed = cap.lines.filter((l) => l.msg === "auth failed");
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.protocol, "smtp");
    assert.equal(failed[0]!.remoteIp, "127.0.0.1");
    assert.ok(typeof failed[0]!.accountId === "number");
    assert.ok(!cap.raw.some((l) => l.includes("not-the-password")), "no password in any line");
  });

  it("/healthz and /readyz answer; readyz reports stale migrations and an unreachable database with 503", async () => {
    const base = `http://127.0.0.1:${app.ports.http}`;
    const h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    assert.equal(await h.text(), "ok\n");
    const ok = await fetch(`${base}/readyz`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ready: true, checks: { database: true, migrations: true, listeners: true } });
    assert.equal((await fetch(`${base}/metrics`, { method: "POST" })).status, 405);

    // The database as an older build left it: the newest migration is not recorded.
    const saved = await app.database.sql`select id, hash, created_at from drizzle.__drizzle_migrations`;
    await app.database.sql`delete from drizzle.__drizzle_migrations`;
    const stale = await fetch(`${base}/readyz`);
    assert.equal(stale.status, 503);
    assert.deepEqual((await stale.json()) as unknown, { ready: false, checks: { database: true, migrations: false, listeners: true } });
    for (const r of saved) await app.database.sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${r.id}, ${r.hash}, ${r.created_at})`;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);

    // The database goes away (its client is closed): not ready, /healthz still 200, /metrics still answers.
    await app.database.sql.end({ timeout: 1 });
    const down = await fetch(`${base}/readyz`);
    assert.equal(down.status, 503);
    const body = (await down.json()) as { ready: boolean; checks: Record<string, boolean>; error?: string };
    assert.equal(body.ready, false);
    assert.equal(body.checks.database, false);
    assert.ok(body.error);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const s = await scrape(app.ports.http!);
    assert.equal(s.status, 200);
    assert.equal(value(s.samples, "postwire_db_up"), 0);
  });
});

describe("metrics behind a token on a listener of their own", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      beforeStart: (dir) => {
        writeFileSync(join(dir, "metrics-token"), "scrape-token-1\n");
        return { metrics: { tokenFile: join(dir, "metrics-token"), listener: { enabled: true, host: "127.0.0.1", port: 0 } } };
      },
    });
  });
  after(async () => app?.cleanup());

  it("serves /metrics only with the bearer token, health without; the webapi listener has none of them", async () => {
    const port = app.ports.ops!;
    assert.ok(port > 0);
    assert.equal((await scrape(port)).status, 401);
    assert.equal((await scrape(port, { authorization: "Bearer wrong-token-1" })).status, 401);
    const s = await scrape(port, { authorization: "Bearer scrape-token-1" });
    assert.equal(s.status, 200);
    assert.ok(s.samples.some((x) => x.name === "postwire_db_up" && x.value === 1));
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${port}/elsewhere`)).status, 404);
    // On the webapi's port these paths belong to the webapi and the web interface: no exposition there.
    const other = await fetch(`http://127.0.0.1:${app.ports.http}/metrics`, { headers: { authorization: "Bearer scrape-token-1" }, redirect: "manual" });
    assert.doesNotMatch(await other.text(), /postwire_db_up/);
  });
});

describe("metrics disabled", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ config: { metrics: { enabled: false } } });
  });
  after(async () => app?.cleanup());

  it("answers 404 on /metrics and still serves the health endpoints", async () => {
    const base = `http://127.0.0.1:${app.ports.http}`;
    assert.equal((await fetch(`${base}/metrics`)).status, 404);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  });
});

/**
 * A TCP relay to PostgreSQL that can go silent: `partition()` keeps every connection open but
 * forwards nothing any more, as a network partition does (queries neither fail nor answer).
 */
async function startRelay(target: Readonly<URL>): Promise<{ port: number; partition(): void; heal(): void; close(): Promise<void> }> {
  let silent = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    client.on("data", (d) => void (silent || upstream.write(d)));
    upstream.on("data", (d) => void (silent || client.write(d)));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  return {
    port: typeof addr === "object" && addr ? addr.port : 0,
    partition: () => void (silent = true),
    /** Ends the partition: the stalled connections are cut, new ones are relayed again. */
    heal() {
      for (const s of sockets) s.destroy();
      silent = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("a database that stops answering (PostgreSQL behind a partitioned relay)", { skip: !onPostgres && "PostgreSQL only" }, () => {
  let app: TestApp;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let db: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
  before(async () => {
    db = await createTestDatabaseUrl();
    relay = await startRelay(new URL(db!.url));
    const url = new URL(db!.url);
    url.host = `127.0.0.1:${relay.port}`;
    app = await startTestApp({ config: { database: { url: url.toString(), poolSize: 3 } } });
  });
  after(async () => {
    // The stalled connections fail at once and new ones reach the database again, so the app
    // stops cleanly (with the relay gone, its reconnects would fail after the test ended).
    relay?.heal();
    await app?.cleanup();
    await relay?.close();
    await db?.drop();
  });

  it("answers /readyz 503 and /metrics with postwire_db_up 0 within seconds, /healthz 200", async () => {
    const base = `http://127.0.0.1:${app.ports.http}`;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    relay.partition();
    const ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(8000) });
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as { checks: { database: boolean }; error: string };
    assert.equal(body.checks.database, false);
    assert.match(body.error, /no answer within/);
    // Within Prometheus' default scrape timeout (10 s), not after the pool's connect timeout.
    const m = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(8000) });
    assert.equal(m.status, 200);
    assert.equal(value(parseExposition(await m.text()).samples, "postwire_db_up"), 0);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });
});
