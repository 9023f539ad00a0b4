// F2, long (`npm run test:torture`): 10,000 incoming webhooks to 3 URLs (accounts alice, bob,
// carol of an in-process serve-mode app), the third URL down (port closed) for the first "10
// minutes" (time scale 60: 10 s). Expect: in flight per URL never above webhooks.concurrencyPerUrl,
// the healthy URLs drain while the third is down, everything arrives once it is back, duplicates
// under 0.1%, every signature verifies, memory flat (the queue is paged from the database).
import assert from "node:assert/strict";
import http from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { freePort } from "../helpers/proc.js";
import { RawSmtp } from "../helpers/smtp-client.js";

const total = Number(process.env.TORTURE_WEBHOOKS ?? 10_000);
const timeScale = 60;
const downMs = 600_000 / timeScale;
const perUrl = 4;
const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Receiver = { port: number; ok: Map<string, number>; inFlight: number; maxInFlight: number; bad: number; requests: number; server: http.Server | null; listen(): Promise<void> };

function receiver(port: number): Receiver {
  const wh = new Webhook(secret);
  const r: Receiver = {
    port, ok: new Map(), inFlight: 0, maxInFlight: 0, bad: 0, requests: 0, server: null,
    async listen() {
      r.server = http.createServer((req, res) => {
        r.inFlight++;
        r.maxInFlight = Math.max(r.maxInFlight, r.inFlight);
        r.requests++;
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          try {
            wh.verify(body, { "webhook-id": String(req.headers["webhook-id"]), "webhook-timestamp": String(req.headers["webhook-timestamp"]), "webhook-signature": String(req.headers["webhook-signature"]) });
          } catch {
            r.bad++;
          }
          const id = String(req.headers["x-mox-webhook-id"]);
          r.ok.set(id, (r.ok.get(id) ?? 0) + 1);
          setTimeout(() => {
            r.inFlight--;
            res.writeHead(200).end("ok");
          }, 2); // a little work, so concurrency shows
        });
      });
      await new Promise<void>((resolve) => r.server!.listen(port, "127.0.0.1", resolve));
    },
  };
  return r;
}

describe(`F2: ${total} queued webhooks to 3 URLs, one down at first`, () => {
  let app: TestApp;
  const receivers: Receiver[] = [];
  before(async () => {
    for (let i = 0; i < 3; i++) receivers.push(receiver(await freePort()));
    await receivers[0]!.listen();
    await receivers[1]!.listen();
    app = await startTestApp({
      config: { queue: { timeScale }, webhooks: { concurrencyPerUrl: perUrl, allowHosts: receivers.map((r) => `127.0.0.1:${r.port}`) }, smtp: { maxRecipients: 100 } },
      beforeStart: (dir) => {
        writeFileSync(join(dir, "secret"), secret + "\n");
        return {
        accounts: ["alice", "bob", "carol"].map((name, i) => ({
          name,
          passwordFile: join(dir, "password"),
          addresses: [`${name}@example.test`],
          incomingWebhook: { url: `http://127.0.0.1:${receivers[i]!.port}/in` },
          webhookSecretFile: join(dir, "secret"),
        })),
        };
      },
    });
  });
  after(async () => {
    await app?.cleanup();
    for (const r of receivers) r.server?.close();
  });

  it("drains the healthy URLs, delivers everything once the third is back, within the limits", { timeout: 1800_000 }, async (t) => {
    const rss0 = process.memoryUsage().rss;
    const perMessage = 99; // 33 catchall recipients per account
    const messages = Math.ceil(total / perMessage);
    const t0 = Date.now();
    for (let m = 0; m < messages; m++) {
      const c = await RawSmtp.open(app.ports.smtp!);
      await c.reply();
      await c.cmd("EHLO load.example");
      await c.cmd("MAIL FROM:<load@client.example>");
      for (let i = 0; i < perMessage; i++) assert.match(await c.cmd(`RCPT TO:<${["alice", "bob", "carol"][i % 3]}+${m}x${i}@example.test>`), /^250/);
      assert.match(await c.cmd("DATA"), /^354/);
      c.write(`From: load@client.example\r\nSubject: f2 ${m}\r\n\r\nbody\r\n.\r\n`);
      assert.match(await c.reply(60_000), /^250 /);
      c.close();
    }
    const queuedMs = Date.now() - t0;
    const want = messages * 33;
    const delivered = (r: Receiver) => r.ok.size;
    // The healthy URLs drain while the third is still down (its "10 minutes" from the end of queueing).
    const tq = Date.now();
    while ((Date.now() - tq < downMs || delivered(receivers[0]!) < want || delivered(receivers[1]!) < want) && Date.now() - tq < 600_000) await sleep(500);
    const healthyAt = [delivered(receivers[0]!), delivered(receivers[1]!)];
    const backAt = Date.now() - t0;
    await receivers[2]!.listen(); // the third URL is back
    const deadline = Date.now() + 1200_000;
    while (receivers.some((r) => delivered(r) < want) && Date.now() < deadline) await sleep(1000);
    const doneMs = Date.now() - t0;
    const dups = receivers.reduce((n, r) => n + [...r.ok.values()].reduce((a, c) => a + c - 1, 0), 0);
    const rss1 = process.memoryUsage().rss;
    t.diagnostic(`${messages * perMessage} webhooks queued in ${queuedMs} ms; healthy URLs had ${healthyAt.join("/")} of ${want} when the third came back at ${backAt} ms; all done at ${doneMs} ms`);
    t.diagnostic(`per URL delivered ${receivers.map(delivered).join("/")}, requests ${receivers.map((r) => r.requests).join("/")}, max in flight ${receivers.map((r) => r.maxInFlight).join("/")}, duplicates ${dups}, bad signatures ${receivers.reduce((n, r) => n + r.bad, 0)}; RSS ${Math.round(rss0 / 2 ** 20)} → ${Math.round(rss1 / 2 ** 20)} MB (test and app in one process)`);
    for (const r of receivers) {
      assert.equal(delivered(r), want, "every webhook arrived");
      assert.ok(r.maxInFlight <= perUrl, `in flight per URL ≤ ${perUrl} (saw ${r.maxInFlight})`);
      assert.equal(r.bad, 0, "every signature verifies");
    }
    assert.ok(healthyAt.every((n) => n === want), "the healthy URLs drained while the third was down");
    assert.ok(dups <= want * 3 * 0.001, `duplicates under 0.1% (${dups})`);
    assert.ok(rss1 - rss0 < 300 * 2 ** 20, "memory stays bounded");
  });
});
