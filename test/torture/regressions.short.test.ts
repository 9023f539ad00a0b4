// Minimal regression tests for bugs the torture fuzzers and fault runs found, one per finding,
// against an in-process serve-mode app on the suite's backend (PGlite, or TEST_DATABASE_URL), or
// a child server where the bug ended the process.
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { onPostgres } from "../helpers/db.js";
import { createFailureSimulator } from "../../src/localserve/failures.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { RawSmtp } from "../helpers/smtp-client.js";
import { login } from "./harness/drivers.js";
import { startTortureServer, type TortureServer } from "./harness/server.js";

async function mx(port: number, message: string): Promise<string> {
  const c = await RawSmtp.open(port);
  try {
    await c.reply();
    await c.cmd("EHLO fuzz.example");
    await c.cmd("MAIL FROM:<fuzz@client.example>");
    assert.match(await c.cmd("RCPT TO:<alice@example.test>"), /^250/);
    assert.match(await c.cmd("DATA"), /^354/);
    c.write(message.replace(/^\./gm, "..") + ".\r\n");
    return await c.reply(30_000);
  } finally {
    c.close();
  }
}

describe("torture regressions (localserve's scripted failures on)", () => {
  let app: TestApp;
  before(async () => (app = await startTestApp({ overrides: { simulate: createFailureSimulator().check }, config: { smtp: { maxMessageSize: 4 << 20 } } })));
  after(async () => app?.cleanup());

  // Bombs through the MX (fuzz, B3): localserve read the Message-ID for its scripted failures
  // with the header parser, outside the accept path's error handling; a header line over the
  // parse limit threw and the message got 451 4.3.0 on every retry instead of being stored.
  it("accepts a message with a 2 MB header line", async () => {
    const reply = await mx(app.ports.smtp!, `From: a@example.com\r\nSubject: ${"x".repeat(2 << 20)}\r\n\r\nbody\r\n`);
    assert.match(reply, /^250 /);
  });
});

describe("torture regressions", () => {
  let app: TestApp;
  before(async () => (app = await startTestApp()));
  after(async () => app?.cleanup());

  // MIME fuzzer (fuzz-mime): mailparser decodes a UTF-16 encoded word with an unpaired
  // surrogate into a lone surrogate; the parsed copy's JSON then held "\ud84d", which jsonb
  // refuses, so the message was answered 451 4.3.0 on every retry and could never be delivered.
  it("accepts a message whose encoded-word Subject decodes to a lone surrogate", async () => {
    const reply = await mx(app.ports.smtp!, "From: a@example.com\r\nSubject: =?utf-16le?B?TdgCdQ==?=\r\n\r\nbody\r\n");
    assert.match(reply, /^250 /);
    const [row] = await app.database.sql`select parsed->>'Subject' as s from messages order by id desc limit 1`;
    assert.equal(row!.s, "\ufffd\u7502");
  });
});

/**
 * A loopback TCP proxy to the test PostgreSQL that, once armed with markers, cuts the first
 * client connection that sends a chunk holding the first marker after it has sent every other
 * marker since the arming (in that chunk or an earlier one): both sides are closed and that
 * chunk is never forwarded.
 */
async function cuttingProxy(target: URL) {
  let needles: Buffer[] | null = null;
  let armedAt = 0;
  let cuts = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    let seen = new Set<number>();
    let seenFor = 0;
    client.on("data", (b: Buffer) => {
      if (needles && seenFor !== armedAt) [seen, seenFor] = [new Set(), armedAt];
      needles?.forEach((n, i) => i > 0 && b.includes(n) && seen.add(i));
      if (needles && b.includes(needles[0]!) && seen.size === needles.length - 1) {
        needles = null;
        cuts++;
        return cut();
      }
      upstream.write(b);
    });
    upstream.on("data", (b: Buffer) => client.write(b));
    client.on("error", cut).on("close", cut);
    upstream.on("error", cut).on("close", cut);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(target);
  url.port = String(port);
  url.hostname = "127.0.0.1";
  return { url: url.toString(), arm: (...markers: string[]) => {
      needles = markers.map((m) => Buffer.from(m));
      armedAt++;
    }, cuts: () => cuts, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("torture regressions (child server on PostgreSQL)", { skip: onPostgres ? false : "PostgreSQL pass only (TEST_DATABASE_URL)" }, () => {
  let proxy: Awaited<ReturnType<typeof cuttingProxy>>;
  let server: TortureServer;
  before(async () => {
    proxy = await cuttingProxy(new URL(process.env.TEST_DATABASE_URL!));
    server = await startTortureServer({ pgBaseUrl: proxy.url });
  });
  after(async () => {
    await server?.cleanup();
    await proxy?.close();
  });

  // Waits until no job is left (the loopback deliveries of earlier Sends, their events and
  // webhooks), so background transactions cannot meet an armed marker first.
  const quiet = async () => {
    for (const t0 = Date.now(); Date.now() - t0 < 20_000; await new Promise((r) => setTimeout(r, 100))) {
      const [r] = await server.withDb((d) => d.sql`select count(*)::int as n from jobs`);
      if (r!.n === 0) return;
    }
    assert.fail("jobs still pending after 20 s");
  };
  const send = async (subject: string) => {
    const request = JSON.stringify({ To: [{ Address: "api@example.com" }], Subject: subject, Text: "x" });
    const r = await fetch(`http://127.0.0.1:${server.ports.http}/webapi/v0/Send`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from(`${login.user}:${login.password}`).toString("base64")}` },
      body: new URLSearchParams({ request }),
      signal: AbortSignal.timeout(30_000),
    });
    return `${r.status} ${(await r.text()).trim().slice(0, 120)}`;
  };

  // pg_ctl restart under load (pg-faults.short): the connection of a webapi Send's transaction
  // closed while its pipelined `set local statement_timeout` was unanswered; the first statement
  // threw, the budget's rejection was never handled, and Node ended the process.
  it("answers 503 and stays up when a Send's connection drops before the statement budget is set", { timeout: 60_000 }, async () => {
    assert.match(await send("before"), /^200 /);
    // The budget's value as a bound parameter (length 5, "30000"), sent with every execution of
    // the transaction's first statement, which sets it.
    // localserve delivers Sends to its own MX, whose accepts have the same budget: armed once
    // the earlier Send's delivery is done.
    await quiet();
    proxy.arm("\u0000\u0000\u0000\u000530000");
    const subject = "cut";
    const reply = await send(subject).catch((e: unknown) => `fetch failed: ${String((e as Error).cause ?? e)}`);
    assert.equal(proxy.cuts(), 1, "the Send's transaction was cut");
    assert.match(reply, /^503 /);
    await new Promise((r) => setTimeout(r, 500)); // an unhandled rejection ends the process after the reply
    assert.ok(server.running(), `the server died:\n${server.proc.output().split("\n").filter((l) => !l.startsWith("{")).join("\n").slice(-1500)}`);
    assert.match(await send("after"), /^200 /);
  });

  // pg-faults long (E6, three restarts under load): an event's NOTIFY is pipelined ahead of its
  // insert; the connection closed, the insert threw first and the NOTIFY's rejection was never
  // handled, which ended the process.
  it("answers 451 and stays up when an accept's connection drops with its event NOTIFY unanswered", { timeout: 60_000 }, async () => {
    const cutsBefore = proxy.cuts();
    // The NOTIFY's channel parameter (its statement may be prepared already) on the connection
    // that has sent this message's Subject (its insert): not a NOTIFY of background work (the
    // loopback deliveries of the Sends above raise events too).
    const subject = `cut-${Date.now()}`;
    await quiet();
    proxy.arm("postwire_events", subject);
    const reply = await mx(server.ports.smtp, `From: a@example.com\r\nSubject: ${subject}\r\n\r\nbody\r\n`).catch((e: unknown) => `failed: ${String(e)}`);
    assert.equal(proxy.cuts(), cutsBefore + 1, "the accept's transaction was cut");
    assert.match(reply, /^451 4\.3\.0 /);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(server.running(), `the server died:\n${server.proc.output().split("\n").filter((l) => !l.startsWith("{")).join("\n").slice(-1500)}`);
    assert.match(await mx(server.ports.smtp, "From: a@example.com\r\nSubject: after\r\n\r\nbody\r\n"), /^250 /);
  });
});
