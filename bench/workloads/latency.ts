// Workload 2: final dot → webhook received and → WebSocket frame, p50/p95/p99 at fixed rates
// (50, 200, 1000 msg/s). Each message carries a nonce in Subject and Message-ID; the local webhook
// receiver and one WebSocket subscriber stamp arrival on the same clock as the SMTP client's dot.
import { bulk, fixedRate } from "../lib/load.js";
import { postwireUnavailable, startPostwire } from "../lib/postwire.js";
import { openSubscriber, startWebhookReceiver, waitArrivals, type Arrivals, type WsSubscriber } from "../lib/receiver.js";
import { latency, num, type LatencySummary } from "../lib/stats.js";
import { reason, type BenchContext, type Section, type Target, type Workload } from "../lib/types.js";
import type { SentMessage } from "../lib/smtp-client.js";

const RATES = [50, 200, 1000];

function lat(sent: SentMessage[], a: Arrivals | undefined): LatencySummary {
  if (!a) return latency([], sent.length);
  const xs: number[] = [];
  for (const s of sent) { const t = a.at.get(s.nonce); if (t !== undefined) xs.push(t - s.dotAt); }
  return latency(xs, sent.length);
}

const cell = (l: LatencySummary) => (l.n ? `${num(l.p50)} / ${num(l.p95)} / ${num(l.p99)}${l.lost ? ` (${l.lost} lost)` : ""}` : "none arrived");

async function run(ctx: BenchContext): Promise<Section> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const notes: string[] = [];
  const data: unknown[] = [];
  const seconds = ctx.quick ? 3 : 10;
  for (const backend of ctx.lightBackends) {
    const p99At200: { hook?: number; ws?: number; why?: string } = {};
    const receiver = await startWebhookReceiver();
    try {
      const pw = await startPostwire(ctx, { backend, incomingWebhook: receiver.url });
      // Warm-up (untimed): the first messages after start pay for JIT and cold caches.
      await bulk(pw.smtpPort, 100, 4, 2048, 5);
      let sub: WsSubscriber | undefined;
      try { sub = await openSubscriber(pw.wsUrl); } catch (e) { notes.push(`${backend}: WebSocket not available: ${reason(e)}`); }
      for (const rate of ctx.quick && backend === "pg" ? [200] : RATES) {
        ctx.log(`latency ${backend} ${rate} msg/s for ${seconds} s`);
        const load = await fixedRate(pw.smtpPort, rate, seconds, 2048, 16, ctx.quick ? 3 : 10);
        await waitArrivals(receiver.arrivals, load.sent.length, 3000);
        if (sub) await waitArrivals(sub.arrivals, load.sent.length, 1000);
        const ack = latency(load.sent.map((s) => s.ackAt - s.dotAt), load.sent.length);
        const hook = lat(load.sent, receiver.arrivals), ws = lat(load.sent, sub?.arrivals);
        if (rate === 200) {
          p99At200.hook = hook.n ? hook.p99 : undefined; p99At200.ws = ws.n ? ws.p99 : undefined;
          if (!hook.n) p99At200.why = `no webhook arrived (${load.sent.length} messages accepted)`;
        }
        rows.push([`postwire-${backend}`, String(rate), `${num(load.achievedRate)}${load.failed ? ` (${load.failed} failed)` : ""}`,
          cell(ack), cell(hook), sub ? cell(ws) : "n/a"]);
        data.push({ backend, rate, achieved: load.achievedRate, failed: load.failed, firstError: load.firstError, conns: load.maxConns, ack, hook, ws });
        if (load.firstError) notes.push(`${backend} ${rate}/s: ${load.failed} failed, first: ${load.firstError}`);
        receiver.arrivals.at.clear(); sub?.arrivals.at.clear();
      }
      sub?.close();
      await pw.stop();
    } catch (e) {
      rows.push([`postwire-${backend}`, "–", `not available: ${reason(e)}`, "", "", ""]);
    } finally {
      await receiver.close();
    }
    const why = postwireUnavailable(backend) ?? p99At200.why ?? "no samples";
    targets.push({
      name: `dot→webhook p99 at 200 msg/s (${backend})`, target: "≤25 ms",
      measured: p99At200.hook !== undefined ? `${num(p99At200.hook)} ms` : `not available: ${why}`,
      met: p99At200.hook !== undefined ? p99At200.hook <= 25 : null,
    });
  }
  notes.unshift(
    "Latencies in ms, p50 / p95 / p99, from writing the final dot to: the 250 reply, the webhook request body received, the WebSocket frame received.",
    "Open-loop load: message i is due at i/rate over reused connections (more are opened when all are busy); 2 KB messages.",
    "The receiver answers 200 at once and runs in the harness process, on the same clock as the SMTP client.",
  );
  return {
    id: "latency", title: "2. Final dot → webhook / WebSocket latency (ms)",
    columns: ["server", "rate msg/s", "achieved msg/s", "dot→250", "dot→webhook", "dot→WebSocket"],
    rows, notes, targets, data,
  };
}

const workload: Workload = { id: "latency", title: "final dot → webhook and WebSocket latency at fixed rates", run };
export default workload;
