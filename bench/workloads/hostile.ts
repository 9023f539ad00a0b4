// Workload: normal SMTP traffic next to hostile but authenticated load. Normal messages arrive at
// 100 msg/s (2 KB) first alone, then while (a) messages of 3 MB are stored back to back, (b) a
// client pages MessageList and polls EventList over those large events without pause, and
// (c) multipart uploads over the size limit stream in. Reports the normal messages' dot→250 p99
// quiet and under load, the webapi calls' p50/p99, and the server's RSS peak (sampled every
// 200 ms over its process group).
import http from "node:http";
import { bulk, fixedRate } from "../lib/load.js";
import { AUTH, postwireUnavailable, startPostwire } from "../lib/postwire.js";
import { latency, mb, num, percentile } from "../lib/stats.js";
import { reason, type BenchContext, type Section, type Target, type Workload } from "../lib/types.js";

const RATE = 100;
const BIG = 3 << 20;

/** Streams a multipart Send far over the request limit; resolves with the status, or 0 on a cut. */
function oversizedUpload(httpPort: number, maxBytes = 200 << 20): Promise<number> {
  return new Promise((resolve) => {
    const boundary = "benchboundary";
    const req = http.request({
      host: "127.0.0.1", port: httpPort, path: "/webapi/v0/Send", method: "POST",
      headers: { Authorization: AUTH, "Content-Type": `multipart/form-data; boundary=${boundary}` },
    });
    let sent = 0;
    let done = false;
    const chunk = Buffer.alloc(1 << 20, 0x41);
    req.on("response", (res) => { done = true; res.resume(); resolve(res.statusCode ?? 0); req.destroy(); });
    req.on("error", () => { if (!done) { done = true; resolve(0); } });
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="request"\r\n\r\n{"To":[{"Address":"x@example.org"}],"Text":"x"}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="attachedfile"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    const pump = () => {
      while (!done && sent < maxBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) { req.once("drain", pump); return; }
      }
      if (!done) req.end(`\r\n--${boundary}--\r\n`);
    };
    pump();
  });
}

async function run(ctx: BenchContext): Promise<Section> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const notes: string[] = [];
  const data: unknown[] = [];
  const seconds = ctx.quick ? 5 : 20;
  for (const backend of ctx.lightBackends) {
    const skip = postwireUnavailable(backend);
    if (skip) { rows.push([`postwire-${backend}`, `not available: ${skip}`, "", "", "", "", ""]); continue; }
    try {
      const pw = await startPostwire(ctx, { backend });
      try {
        await bulk(pw.smtpPort, 100, 4, 2048, 5); // warm-up, untimed
        ctx.log(`hostile ${backend}: quiet ${RATE} msg/s for ${seconds} s`);
        const quiet = await fixedRate(pw.smtpPort, RATE, seconds, 2048, 16, 10);
        let stop = false;
        let peak = pw.rss();
        const sampler = setInterval(() => { peak = Math.max(peak, pw.rss()); }, 200);
        const api: number[] = [];
        let bigStored = 0, uploads = 0, uploadsRefused = 0, apiErrors = 0;
        const big = (async () => { while (!stop) bigStored += (await bulk(pw.smtpPort, 2, 2, BIG, 60)).sent.length; })();
        const poll = (async () => {
          let cursor = "";
          while (!stop) {
            for (const [method, req] of [["MessageList", { Limit: 100 }], ["EventList", { Cursor: cursor, Limit: 100 }]] as const) {
              const t0 = performance.now();
              const r = await pw.api(method, req);
              api.push(performance.now() - t0);
              if (r.status !== 200) apiErrors++;
              else if (method === "EventList") cursor = (r.body as { Cursor?: string }).Cursor ?? cursor;
            }
          }
        })();
        const upload = (async () => {
          while (!stop) {
            uploads++;
            if ((await oversizedUpload(pw.httpPort)) === 400) uploadsRefused++;
          }
        })();
        ctx.log(`hostile ${backend}: ${RATE} msg/s for ${seconds} s under hostile load`);
        const loaded = await fixedRate(pw.smtpPort, RATE, seconds, 2048, 16, 30);
        stop = true;
        await Promise.all([big, poll, upload]);
        clearInterval(sampler);
        const q = latency(quiet.sent.map((s) => s.ackAt - s.dotAt), quiet.sent.length);
        const l = latency(loaded.sent.map((s) => s.ackAt - s.dotAt), loaded.sent.length);
        const apiP99 = api.length ? percentile(api, 99) : NaN;
        rows.push([`postwire-${backend}`, num(q.p99), `${num(l.p99)} (${num(l.p99 / q.p99)}×)${loaded.failed ? `, ${loaded.failed} failed` : ""}`,
          api.length ? `${num(percentile(api, 50))} / ${num(apiP99)} (${api.length} calls${apiErrors ? `, ${apiErrors} not 200` : ""})` : "none",
          `${mb(peak)} MB`, String(bigStored), `${uploadsRefused}/${uploads}`]);
        data.push({ backend, quiet: q, loaded: l, api: { n: api.length, p50: percentile(api, 50), p99: apiP99, errors: apiErrors }, rssPeak: peak, bigStored, uploads, uploadsRefused });
        targets.push(
          { name: `normal dot→250 p99 under hostile load (${backend})`, target: "≤ 2× quiet", measured: `${num(l.p99 / q.p99)}×`, met: l.p99 <= 2 * q.p99 },
          { name: `webapi p99 under hostile load (${backend})`, target: "≤ 200 ms", measured: `${num(apiP99)} ms`, met: apiP99 <= 200 },
          { name: `server RSS peak (${backend})`, target: "≤ 600 MB", measured: `${mb(peak)} MB`, met: peak <= 600 * 1024 * 1024 },
        );
      } finally {
        await pw.stop();
      }
    } catch (e) {
      rows.push([`postwire-${backend}`, `not available: ${reason(e)}`, "", "", "", "", ""]);
    }
  }
  notes.push(`Normal load ${RATE} msg/s of 2 KB for ${seconds} s, alone and then beside: ${BIG >> 20} MB messages stored back to back over 2 connections, MessageList (Limit 100) and EventList (following its cursor over the large events) called without pause, and multipart Sends of up to 200 MB streamed in one after another (refused: 400).`);
  return {
    id: "hostile", title: "Hostile neighbours: normal SMTP next to large stores, large reads and oversized uploads",
    columns: ["server", "quiet dot→250 p99 ms", "hostile dot→250 p99 ms", "webapi p50 / p99 ms", "RSS peak", "3 MB stored", "uploads refused"],
    rows, notes, targets, data,
  };
}

const workload: Workload = { id: "hostile", title: "hostile neighbours", run };
export default workload;
