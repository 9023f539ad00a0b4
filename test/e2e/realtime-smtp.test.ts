// Mail received over real SMTP by a real `postwire localserve` process reaches WebSocket
// subscribers: filtered by recipient address, within milliseconds of the final dot, and a
// subscriber that is cut off and reconnects with its last cursor loses nothing while mail keeps
// arriving. Prints dot-to-frame latency (p50/p99).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { startLocalserveProc, type ServerProc } from "../helpers/proc.js";
import { RawSmtp } from "../helpers/smtp-client.js";
import { basic, connect, type Client } from "./realtime-harness.js";

const login = basic("mox@localhost", "moxmoxmox");
const subjects = (c: Client) => c.events().map((f) => (f.json.Payload as { Subject: string }).Subject);

/** One SMTP transaction on an open session; resolves the time the final dot was written. */
async function send(s: RawSmtp, to: string, subject: string): Promise<{ dotAt: number; okAt: number }> {
  assert.match(await s.cmd("MAIL FROM:<app@example.com>"), /^250/);
  assert.match(await s.cmd(`RCPT TO:<${to}>`), /^250/);
  assert.match(await s.cmd("DATA"), /^354/);
  s.write(`From: app@example.com\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.com>\r\n\r\nhello\r\n`);
  const dotAt = performance.now();
  s.write(".\r\n");
  assert.match(await s.reply(), /^250/);
  return { dotAt, okAt: performance.now() };
}

describe("realtime: SMTP in, frames out (localserve process)", () => {
  let p: ServerProc;
  before(async () => (p = await startLocalserveProc()));
  after(async () => p?.cleanup());

  it("delivers received mail to subscribers of its address within milliseconds of the dot", async () => {
    const url = (q: string) => `ws://127.0.0.1:${p.ports.http}/webapi/v0/events${q}`;
    const dev = connect(url("?addresses=dev@example.com"), { Authorization: login });
    const all = connect(url(""), { Authorization: login });
    await Promise.all([dev.waitFrames(1), all.waitFrames(1)]);
    const s = await RawSmtp.open(p.ports.smtp);
    await s.reply();
    await s.cmd("EHLO client.example");
    const run = randomBytes(4).toString("hex");
    const latency: number[] = [];
    const afterOk: number[] = [];
    const sentDev: string[] = [];
    for (let i = 0; i < 40; i++) {
      const toDev = i % 2 === 0;
      const subject = `rt-${run}-${i}`;
      const t = await send(s, toDev ? "dev@example.com" : "ops@example.org", subject);
      if (toDev) {
        sentDev.push(subject);
        const frameAt = await new Promise<number>((resolve) => {
          const check = () => (subjects(dev).includes(subject) ? resolve(performance.now()) : setImmediate(check));
          check();
        });
        latency.push(frameAt - t.dotAt);
        afterOk.push(frameAt - t.okAt);
      }
    }
    s.close();
    await all.waitFrames(41);
    assert.deepEqual(subjects(dev), sentDev);
    assert.equal(subjects(all).length, 40);
    const q = (a: number[], x: number) => [...a].sort((m, n) => m - n)[Math.min(a.length - 1, Math.floor(a.length * x))]!.toFixed(1);
    const backend = p.databaseUrl ? "postgresql" : "pglite";
    console.log(`# dot-to-frame ms over SMTP (${backend}): p50 ${q(latency, 0.5)} p99 ${q(latency, 0.99)}; 250-to-frame p50 ${q(afterOk, 0.5)} p99 ${q(afterOk, 0.99)}`);
    dev.ws.close();
    all.ws.close();
  });

  it("a subscriber cut off mid-stream resumes with its cursor: no loss, no duplicate", async () => {
    const url = (q: string) => `ws://127.0.0.1:${p.ports.http}/webapi/v0/events?addresses=resume@example.com${q}`;
    let c = connect(url(""), { Authorization: login });
    await c.waitFrames(1);
    const run = randomBytes(4).toString("hex");
    const sent: string[] = [];
    const sender = (async () => {
      const s = await RawSmtp.open(p.ports.smtp);
      await s.reply();
      await s.cmd("EHLO client.example");
      for (let i = 0; i < 30; i++) {
        sent.push(`rs-${run}-${i}`);
        await send(s, "resume@example.com", sent.at(-1)!);
      }
      s.close();
    })();
    const got: string[] = [];
    let cursor = c.frames[0]!.json.cursor as string;
    for (let round = 0; got.length < 30; round++) {
      await c.waitFrames(c.frames.length + 3, 20_000).catch(() => {});
      for (const f of c.events()) {
        got.push((f.json.Payload as { Subject: string }).Subject);
        cursor = f.json.Cursor as string;
      }
      c.ws.terminate();
      if (got.length >= 30) break;
      assert.ok(round < 100, "made progress");
      c = connect(url(`&since=${cursor}`), { Authorization: login });
      await c.waitFrames(1);
    }
    await sender;
    assert.deepEqual(got, sent);
  });
});
