// Workload 3: incoming-webhook delivery throughput to a fast local receiver: while SMTP accepts
// (bounded by the accept rate, sharing its CPU), draining a backlog (delivery alone), and with one
// slow receiver present (the outgoing-webhook URL, answering after 2 s, kept busy by webapi Sends).
import { setTimeout as sleep } from "node:timers/promises";
import { bulk } from "../lib/load.js";
import { postwireUnavailable, startPostwire, type Postwire } from "../lib/postwire.js";
import { startWebhookReceiver, waitArrivals, type WebhookReceiver } from "../lib/receiver.js";
import { num } from "../lib/stats.js";
import { reason, type BenchContext, type Section, type Target, type Workload } from "../lib/types.js";

const SLOW_MS = 2000;
// The backlog builds while the receiver holds its first answers: well below the 30 s POST timeout.
const HOLD_S = 20;

/** Keeps the slow receiver busy: one webapi Send every 50 ms until stopped. */
function trickleSends(pw: Postwire): { stop(): Promise<number> } {
  let running = true, sent = 0;
  const loop = (async () => {
    while (running) {
      const r = await pw.api("Send", { To: [{ Address: `slow${sent}@example.org` }], Subject: "slow receiver load", Text: "hi\n" }).catch(() => null);
      if (r?.status === 200) sent++;
      await sleep(50);
    }
  })();
  return { stop: async () => { running = false; await loop; return sent; } };
}

interface Outcome { accepted: number; acceptRate: number; hooks: number; hookRate: number; e2eRate: number }

/** Sends `count` messages over 20 reused connections and times their incoming webhooks. */
async function phase(ctx: BenchContext, pw: Postwire, fast: WebhookReceiver, count: number): Promise<Outcome> {
  fast.arrivals.at.clear();
  const t0 = performance.now();
  const load = await bulk(pw.smtpPort, count, 20, 2048, ctx.quick ? 8 : 60);
  await waitArrivals(fast.arrivals, load.sent.length, ctx.quick ? 3000 : 5000, ctx.quick ? 20_000 : 120_000);
  const mine = load.sent.map((s) => fast.arrivals.at.get(s.nonce)).filter((t): t is number => t !== undefined);
  const first = Math.min(...mine), last = Math.max(...mine);
  return {
    accepted: load.sent.length, acceptRate: load.achievedRate, hooks: mine.length,
    hookRate: mine.length > 1 ? (mine.length - 1) / ((last - first) / 1000) : 0,
    e2eRate: mine.length ? mine.length / ((last - t0) / 1000) : 0,
  };
}

interface Drain { accepted: number; acceptRate: number; holdSeconds: number; hooks: number; drained: number; drainRate: number; e2eRate: number }

/**
 * Backlog drain: the fast receiver holds its answers (the URL's POST slots stay busy, so the
 * webhooks queue up) while up to `count` messages are accepted, then answers; the rate counts
 * the webhooks arriving after the release, up to the last one.
 */
async function drain(ctx: BenchContext, pw: Postwire, fast: WebhookReceiver, count: number): Promise<Drain> {
  fast.arrivals.at.clear();
  const t0 = performance.now();
  fast.hold();
  let released = 0;
  let load: Awaited<ReturnType<typeof bulk>>;
  try {
    load = await bulk(pw.smtpPort, count, 20, 2048, ctx.quick ? HOLD_S / 2 : HOLD_S);
  } finally {
    released = fast.release();
  }
  await waitArrivals(fast.arrivals, load.sent.length, ctx.quick ? 3000 : 5000, ctx.quick ? 20_000 : 120_000);
  const mine = load.sent.map((s) => fast.arrivals.at.get(s.nonce)).filter((t): t is number => t !== undefined);
  const after = mine.filter((t) => t >= released);
  const last = Math.max(...mine);
  return {
    accepted: load.sent.length, acceptRate: load.achievedRate, holdSeconds: (released - t0) / 1000, hooks: mine.length, drained: after.length,
    drainRate: after.length > 0 ? after.length / ((last - released) / 1000) : 0,
    e2eRate: mine.length ? mine.length / ((last - t0) / 1000) : 0,
  };
}

/** One localserve: fast incoming receiver alone, a backlog drain, then with the slow outgoing receiver kept busy. */
async function scenarios(ctx: BenchContext, backend: "pglite" | "pg") {
  const fast = await startWebhookReceiver();
  const slowR = await startWebhookReceiver(SLOW_MS);
  try {
    const pw = await startPostwire(ctx, { backend, incomingWebhook: fast.url, outgoingWebhook: slowR.url });
    const count = ctx.quick ? 1000 : 20000;
    const alone = await phase(ctx, pw, fast, count);
    const backlog = await drain(ctx, pw, fast, ctx.quick ? 3000 : 10000);
    const trickle = trickleSends(pw);
    await sleep(1000); // let slow deliveries pile up first
    const withSlow = await phase(ctx, pw, fast, count);
    const sends = await trickle.stop();
    await pw.stop();
    return { alone, backlog, withSlow, slowSeen: slowR.arrivals.total, sends };
  } finally {
    await fast.close();
    await slowR.close();
  }
}

async function run(ctx: BenchContext): Promise<Section> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const data: unknown[] = [];
  for (const backend of ctx.lightBackends) {
    let best: number | undefined, why: string | undefined;
    ctx.log(`webhooks ${backend}: fast receiver alone, a held backlog drained, then with a slow one`);
    const cells = (o: Outcome) => [`${o.accepted} at ${num(o.acceptRate)}/s`, `${o.hooks}`, num(o.hookRate), num(o.e2eRate)];
    try {
      const r = await scenarios(ctx, backend);
      const d = r.backlog;
      if (d.drained) best = d.drainRate; else why = `no webhook arrived after the release (${d.accepted} messages accepted)`;
      rows.push([`postwire-${backend}`, "fast receiver only", ...cells(r.alone), ""]);
      rows.push([`postwire-${backend}`, `backlog drain (answers held ${num(d.holdSeconds)} s while accepting, then released)`,
        `${d.accepted} at ${num(d.acceptRate)}/s`, `${d.hooks} (${d.drained} after release)`, `${num(d.drainRate)} (release→last)`, num(d.e2eRate), ""]);
      rows.push([`postwire-${backend}`, `fast + one slow receiver (${SLOW_MS / 1000} s answers)`, ...cells(r.withSlow),
        `${r.slowSeen} slow requests, ${r.sends} Sends`]);
      data.push({ backend, ...r });
    } catch (e) {
      rows.push([`postwire-${backend}`, "all scenarios", `not available: ${reason(e)}`, "", "", "", ""]);
    }
    targets.push({
      name: `webhook deliveries per second (${backend}, fast receiver, backlog drain)`, target: "≥2,000/s",
      measured: best !== undefined ? `${num(best)}/s` : `not available: ${postwireUnavailable(backend) ?? why ?? "no data"}`,
      met: best !== undefined ? best >= 2000 : null,
    });
  }
  return {
    id: "webhooks", title: "3. Webhook delivery throughput",
    columns: ["server", "scenario", "SMTP accepted", "webhooks received", "webhooks/s (first→last)", "webhooks/s (from first send)", "slow side"],
    rows, targets, data,
    notes: [
      "Messages are sent with 20 reused SMTP connections as fast as accepted; each incoming message yields one webhook to the fast receiver, which answers 200 at once.",
      "Backlog drain: the fast receiver holds its answers while the messages are accepted (the URL's POST slots stay busy, the webhooks queue up), then answers them all; webhooks/s counts those arriving after the release, up to the last. Delivery runs alone then, so this is the figure the target line uses.",
      "Slow case: localserve's --outgoing-webhook points at a receiver that answers after 2 s, fed by one webapi Send every 50 ms (delivered back to localserve, so each also raises outgoing events).",
      "TODO(bench): once the webhook-configuration extension exists, add a second incoming subscription with a slow URL instead of using the outgoing one.",
    ],
  };
}

const workload: Workload = { id: "webhooks", title: "webhook delivery throughput, fast and with a slow receiver", run };
export default workload;
