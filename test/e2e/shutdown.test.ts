// SIGTERM of `postwire serve` under load while deliveries talk to a smarthost that accepts the
// TCP connection and never answers, and webhook POSTs wait on a receiver that never answers:
// the listeners close at once, the process exits 0 within the grace period (plus a margin for
// closing), the cut deliveries and webhooks are handed back uncounted, and after a restart (the
// remote and the receiver answering now) every acknowledged message is delivered and every
// webhook sent, as attempt 1. A second signal exits at once.
import assert from "node:assert/strict";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { openDatabase } from "../../src/db/index.js";
import { startTestMx, type TestMx } from "../../src/delivery/test-mx.js";
import { startReceiver, type Receiver } from "../../src/webhooks/test-receiver.js";
import { freePort, startServeProc, type ServeProc } from "../helpers/proc.js";
import { smtplibSend } from "../helpers/smtp-client.js";

const graceMs = 6_000;
const password = "shutdown-password-1";
const auth = "Basic " + Buffer.from(`alice@sig.test:${password}`).toString("base64");

/** A TCP server that accepts and never says a word. */
async function startSilent(): Promise<{ port: number; sockets: Socket[]; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => sockets.push(s.on("error", () => {})));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { port, sockets, close: () => new Promise((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))) };
}

const mail = (subject: string) =>
  `From: carol@elsewhere.test\r\nTo: alice@sig.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/ /g, ".")}.${Date.now()}@elsewhere.test>\r\n\r\nhello\r\n`;

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ port, host: "127.0.0.1" });
    s.once("connect", () => (s.destroy(), resolve(false)));
    s.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
  });

describe("SIGTERM with deliveries and webhooks waiting on silent peers", () => {
  let silent: Awaited<ReturnType<typeof startSilent>>;
  let mx: TestMx;
  let rx: Receiver;
  let proc: ServeProc;
  const held: ServerResponse[] = [];
  const ports = { smtp: 0, http: 0 };
  const config = (target: number) => (dir: string) => {
    writeFileSync(join(dir, "alice.pw"), password);
    const l = (port: number) => ({ host: "127.0.0.1", port });
    return {
      hostname: "mail.sig.test",
      shutdownGrace: `${graceMs}ms`,
      log: { level: "info" },
      smtp: { mx: l(ports.smtp), submission: { enabled: false }, submissions: { enabled: false } },
      http: l(ports.http),
      delivery: { smarthost: `127.0.0.1:${target}` },
      // A delivery that times out on the silent remote before the signal is retried soon.
      queue: { timeScale: 60 },
      webhooks: { allowHosts: [`127.0.0.1:${rx.port}`], timeout: "120s" },
      domains: [{ name: "sig.test" }],
      accounts: [{ name: "alice", passwordFile: join(dir, "alice.pw"), addresses: ["alice@sig.test"], incomingWebhook: { url: rx.url("/in") }, outgoingWebhook: { url: rx.url("/out") } }],
    };
  };

  before(async () => {
    silent = await startSilent();
    mx = await startTestMx();
    rx = await startReceiver((_req, res) => held.push(res)); // never answers, until told to
    Object.assign(ports, { smtp: await freePort(), http: await freePort() });
    proc = await startServeProc(config(silent.port));
  });
  after(async () => {
    await proc?.cleanup();
    for (const r of held) r.destroy();
    await Promise.all([silent?.close(), mx?.close(), rx?.close()]);
  });

  const sent: string[] = [];
  const received: string[] = [];

  it("closes the listeners at once, exits 0 within the grace period and hands the work back uncounted", { timeout: 120_000 }, async (t) => {
    for (let i = 0; i < 12; i++) {
      const subject = `out ${i}`;
      const r = await fetch(`http://127.0.0.1:${ports.http}/webapi/v0/Send`, {
        method: "POST",
        headers: { authorization: auth },
        body: new URLSearchParams({ request: JSON.stringify({ To: [{ Address: `bob${i}@remote.test` }], Subject: subject, Text: "x" }) }),
      });
      assert.equal(r.status, 200, await r.text());
      sent.push(subject);
    }
    for (let i = 0; i < 8; i++) {
      const subject = `in ${i}`;
      const r = await smtplibSend({ port: ports.smtp, from: "carol@elsewhere.test", to: ["alice@sig.test"], message: mail(subject) });
      assert.equal(r.status, 0, r.out);
      received.push(subject);
    }
    await until("deliveries connected to the silent smarthost", () => silent.sockets.length >= 2);
    await until("webhook POSTs waiting on the receiver", () => rx.requests.filter((r) => r.path === "/in").length >= 2);

    const t0 = Date.now();
    const exit = proc.exited();
    proc.child.kill("SIGTERM");
    await until("the SMTP and HTTP listeners to refuse connections", async () => (await refused(ports.smtp)) && (await refused(ports.http)), graceMs);
    assert.equal(proc.child.exitCode, null, "still finishing its work when the listeners closed");
    const { code, signal } = await exit;
    const took = Date.now() - t0;
    t.diagnostic(`exit ${code} after ${took} ms (grace ${graceMs} ms)`);
    assert.equal(signal, null);
    assert.equal(code, 0, proc.output().slice(-2000));
    assert.ok(took < graceMs + 10_000, `exited within the grace period plus the closing margin (${took} ms)`);
    assert.match(proc.output(), /grace period over, aborting running jobs/);

    const database = await openDatabase({ url: proc.databaseUrl ?? undefined, dataDir: join(proc.dir, "data") });
    try {
      const jobs = (await database.sql`select kind, locked_by, attempts, payload from jobs`) as unknown as { kind: string; locked_by: string | null; attempts: number; payload: { msgId?: number } }[];
      assert.ok(jobs.length >= 20, `the work is still queued (${jobs.length} jobs)`);
      assert.deepEqual(jobs.filter((j) => j.locked_by !== null), [], "no claim is left behind");
      // Counted attempts are the recorded ones: a delivery that timed out on its own before the
      // signal (a loaded machine) is one; one cut by the shutdown is not.
      const rows = (await database.sql`select id, attempts, jsonb_array_length(results)::int as n from outbound_messages`) as unknown as { id: number; attempts: number; n: number }[];
      const recorded = new Map(rows.map((r) => [Number(r.id), r.n]));
      const miscounted = jobs.filter((j) => j.kind === "delivery" && j.attempts !== recorded.get(Number(j.payload.msgId)));
      assert.deepEqual(miscounted, [], "no cut delivery attempt is counted");
      assert.ok(jobs.some((j) => j.kind === "delivery" && j.attempts === 0), "deliveries were cut and handed back");
      const hooks = (await database.sql`select attempts, results from webhooks`) as unknown as { attempts: number; results: unknown[] }[];
      assert.deepEqual(hooks.filter((h) => h.attempts !== 0 || h.results.length !== 0), [], "no webhook attempt is counted");
    } finally {
      await database.close();
    }
  });

  it("delivers every acknowledged message and sends every webhook after a restart", { timeout: 120_000 }, async () => {
    const before = rx.requests.length;
    rx.handle((_req, res) => res.end("ok"));
    await proc.restart(config(mx.port));
    const subjects = () => new Set(mx.transactions.map((x) => /^Subject: (.*)$/m.exec(x.data.toString())?.[1]?.trim()));
    await until("every Send at the smarthost", () => sent.every((s) => subjects().has(s)));
    const after = () => rx.requests.slice(before);
    const inSubjects = () => new Set(after().filter((r) => r.path === "/in").map((r) => (JSON.parse(r.body.toString()) as { Subject: string }).Subject));
    await until("every incoming webhook", () => received.every((s) => inSubjects().has(s)));
    await until("a delivered webhook per Send", () => after().filter((r) => r.path === "/out" && r.body.includes('"delivered"')).length >= sent.length);
    const attempts = new Set(after().filter((r) => r.path === "/in").map((r) => r.headers["x-mox-webhook-attempt"]));
    assert.deepEqual([...attempts], ["1"], "the cut POSTs were not counted: the retry is attempt 1");
  });

  it("exits at once on a second signal", { timeout: 60_000 }, async () => {
    rx.handle((_req, res) => held.push(res));
    const n = rx.requests.length;
    const r = await smtplibSend({ port: ports.smtp, from: "carol@elsewhere.test", to: ["alice@sig.test"], message: mail("in again") });
    assert.equal(r.status, 0, r.out);
    await until("a webhook POST waiting", () => rx.requests.length > n);
    const exit = proc.exited();
    proc.child.kill("SIGTERM");
    await until("the listeners to close", () => refused(ports.smtp), graceMs);
    proc.child.kill("SIGTERM");
    const { code } = await exit;
    assert.equal(code, 130);
  });
});
