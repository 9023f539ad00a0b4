// Workload 4: webapi Send accepted per second, and outbound delivery per second. localserve delivers
// every outgoing message back to its own SMTP port (spec), so its rate is counted from `delivered`
// outgoing webhooks; delivery into smtp-sink needs serve mode (see serveConfigForSink below).
import { startPostwire, postwireUnavailable, type Postwire } from "../lib/postwire.js";
import { startWebhookReceiver, waitArrivals } from "../lib/receiver.js";
import { nonceMaker } from "../lib/load.js";
import { latency, num } from "../lib/stats.js";
import { reason, type BenchContext, type Section, type Target, type Workload } from "../lib/types.js";

/**
 * TODO(bench): serve-mode hook for "outbound delivery into smtp-sink". Return a YAML config for
 * `postwire serve --config FILE` whose outgoing delivery goes to 127.0.0.1:<sinkPort> (a smarthost
 * or a static MX for the recipient domain pointing at loopback), once src/config has such a field.
 * While it returns null the row reads "not available".
 */
export function serveConfigForSink(_sinkPort: number, _dataDir: string): string | null {
  return null;
}

/** Calls Send `count` times over `conc` concurrent requests; returns per-call latencies and nonces. */
async function sends(pw: Postwire, count: number, conc: number, maxSeconds: number) {
  const nonce = nonceMaker();
  const lat: number[] = [], nonces: string[] = [];
  let next = 0, failed = 0, firstError: string | undefined;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next < count && performance.now() - t0 < maxSeconds * 1000) {
      next++;
      const n = nonce();
      const s = performance.now();
      try {
        const r = await pw.api("Send", { To: [{ Address: `rcpt-${n}@example.org` }], Subject: `bench ${n}`, Text: "bench body\n".repeat(100) });
        if (r.status === 200) { lat.push(performance.now() - s); nonces.push(n); }
        else { failed++; firstError ??= `HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`; }
      } catch (e) { failed++; firstError ??= reason(e); }
    }
  }));
  return { seconds: (performance.now() - t0) / 1000, lat, nonces, failed, firstError, t0 };
}

async function run(ctx: BenchContext): Promise<Section> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const data: unknown[] = [];
  const notes: string[] = [];
  const count = ctx.quick ? 500 : 5000;
  for (const backend of ctx.lightBackends) {
    let delivered: number | undefined;
    const hooks = await startWebhookReceiver();
    try {
      const pw = await startPostwire(ctx, { backend, outgoingWebhook: hooks.url });
      ctx.log(`send ${backend}: ${count} webapi Send calls, 10 concurrent`);
      const r = await sends(pw, count, 10, ctx.quick ? 8 : 60);
      const accepted = r.nonces.length / r.seconds;
      const l = latency(r.lat, r.lat.length);
      await waitArrivals(hooks.arrivals, r.nonces.length, 5000, ctx.quick ? 30_000 : 180_000);
      const times = r.nonces.map((n) => hooks.arrivals.at.get(n)).filter((t): t is number => t !== undefined);
      const lastAt = times.length ? Math.max(...times) : NaN;
      delivered = times.length ? times.length / ((lastAt - r.t0) / 1000) : undefined;
      const kinds = Object.fromEntries(hooks.arrivals.kinds);
      rows.push([`postwire-${backend}`, `${num(accepted)}${r.failed ? ` (${r.failed} failed)` : ""}`,
        `${num(l.p50)} / ${num(l.p99)}`, delivered !== undefined ? `${num(delivered)} (${times.length} of ${r.nonces.length})` : "none seen",
        JSON.stringify(kinds)]);
      if (r.firstError) notes.push(`${backend}: ${r.failed} Send calls failed, first: ${r.firstError}`);
      data.push({ backend, count, accepted, latency: l, failed: r.failed, firstError: r.firstError, delivered, deliveredCount: times.length, kinds });
      await pw.stop();
    } catch (e) {
      rows.push([`postwire-${backend}`, `not available: ${reason(e)}`, "", "", ""]);
    } finally {
      await hooks.close();
    }
    targets.push({
      name: `outbound delivery (${backend}, localserve loopback)`, target: "≥500 msg/s",
      measured: delivered !== undefined ? `${num(delivered)} msg/s` : `not available: ${postwireUnavailable(backend) ?? "no delivered events"}`,
      met: delivered !== undefined ? delivered >= 500 : null,
    });
  }
  const sink = serveConfigForSink(0, ctx.tmp);
  rows.push(["postwire serve → smtp-sink", sink ? "" : "not available: serve-mode delivery to smtp-sink not wired yet (TODO in bench/workloads/send.ts)", "", "", ""]);
  targets.push({ name: "outbound delivery into smtp-sink (serve)", target: "≥500 msg/s", measured: "not available: TODO serve-mode hook", met: null });
  return {
    id: "send", title: "4. webapi Send and outbound delivery",
    columns: ["server", "Send accepted/s", "Send latency p50 / p99 ms", "delivered msg/s (from first Send)", "outgoing events seen"],
    rows, targets, data,
    notes: [
      ...notes,
      `${count} Send calls (one recipient each, about 1 KB text), 10 in flight; accepted = HTTP 200.`,
      "localserve delivers each message to its own SMTP port; delivered/s counts `delivered` outgoing webhooks (matched by Subject) from the first Send to the last webhook.",
    ],
  };
}

const workload: Workload = { id: "send", title: "webapi Send accepted/s and outbound delivery/s", run };
export default workload;
