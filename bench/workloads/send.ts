// Workload 4: webapi Send accepted per second, and outbound delivery per second. localserve delivers
// every outgoing message back to its own SMTP port (spec), so its rate is counted from `delivered`
// outgoing webhooks; delivery into smtp-sink runs `postwire serve` with delivery.smarthost (serveConfigForSink).
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensurePostfix } from "../lib/install.js";
import { startSmtpSink, type SmtpTarget } from "../lib/peers.js";
import { createThrowawayDb, pgInfo } from "../lib/pg.js";
import { profileArgs, startPostwire, postwireUnavailable, webapiClient, type Postwire } from "../lib/postwire.js";
import { freePort, groupRss, startChild, waitSmtp } from "../lib/proc.js";
import { startWebhookReceiver, waitArrivals } from "../lib/receiver.js";
import { nonceMaker } from "../lib/load.js";
import { latency, num } from "../lib/stats.js";
import { NotAvailable, reason, type Backend, type BenchContext, type Section, type Target, type Workload } from "../lib/types.js";

/** What serve mode needs for the smtp-sink row: ports, storage, the account's password file, the webhook. */
export interface SinkServeOptions {
  sinkPort: number;
  dataDir: string;
  /** PostgreSQL URL of a throwaway database; empty for PGlite in dataDir. */
  dbUrl: string;
  smtpPort: number;
  httpPort: number;
  passwordFile: string;
  /** Outgoing webhook receiver on loopback (http://127.0.0.1:PORT/...). */
  webhookUrl: string;
}

/** The serve-mode account (hosted domain bench.test); its password is in `passwordFile`. */
export const SINK_ACCOUNT = { user: "bench@bench.test", password: "bench-password-1" };

/**
 * YAML for `postwire serve --config FILE` whose outgoing delivery goes to 127.0.0.1:<sinkPort>
 * (`delivery.smarthost`), with one account that may send the whole burst (daily limits raised)
 * and its outgoing webhook on loopback (allowed by `webhooks.allowHosts`). Listeners: MX (for
 * readiness) and HTTP only.
 */
export function serveConfigForSink(o: SinkServeOptions): string {
  const hook = new URL(o.webhookUrl);
  return JSON.stringify({
    hostname: "bench.test",
    dataDir: o.dataDir,
    log: { level: "warn" },
    database: { url: o.dbUrl },
    smtp: {
      mx: { host: "127.0.0.1", port: o.smtpPort },
      submission: { enabled: false },
      submissions: { enabled: false },
      greetPause: "0s",
    },
    http: { host: "127.0.0.1", port: o.httpPort },
    delivery: { smarthost: `127.0.0.1:${o.sinkPort}` },
    webhooks: { allowHosts: [hook.host] },
    domains: [{ name: "bench.test" }],
    accounts: [{
      name: "bench", passwordFile: o.passwordFile, addresses: [SINK_ACCOUNT.user],
      maxOutgoingMessagesPerDay: 10_000_000, maxFirstTimeRecipientsPerDay: 10_000_000,
      outgoingWebhook: { url: o.webhookUrl, events: ["delivered", "failed", "delayed"] },
    }],
  }, null, 2) + "\n"; // JSON is YAML
}

/** Starts `postwire serve` per serveConfigForSink on a throwaway database (PG) or data dir (PGlite). */
async function startServeToSink(ctx: BenchContext, backend: Backend, sinkPort: number, webhookUrl: string): Promise<Postwire> {
  const known = postwireUnavailable(backend);
  if (known) throw new NotAvailable(known);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  let dbUrl = "";
  if (backend === "pg") {
    const info = pgInfo();
    if (!info.ok) throw new NotAvailable(info.reason);
    dbUrl = createThrowawayDb("serve").url;
  }
  const dir = mkdtempSync(join(ctx.tmp, `serve-${backend}-`));
  const passwordFile = join(dir, "password");
  writeFileSync(passwordFile, SINK_ACCOUNT.password + "\n");
  const [smtpPort, httpPort] = [await freePort(), await freePort()];
  const configFile = join(dir, "postwire.yaml");
  writeFileSync(configFile, serveConfigForSink({ sinkPort, dataDir: join(dir, "data"), dbUrl, smtpPort, httpPort, passwordFile, webhookUrl }));
  const bin = process.env.BENCH_POSTWIRE_BIN ?? join(ctx.root, "bin", "postwire.js");
  const t0 = performance.now();
  const child = startChild(`postwire-serve-${backend}`, process.execPath, [...profileArgs(ctx), bin, "serve", "--config", configFile], { env, cwd: ctx.root });
  try {
    await waitSmtp(smtpPort, 90_000, () => child.proc.exitCode === null && child.proc.signalCode === null);
  } catch (e) {
    await child.stop();
    const last = child.tail().trim().split("\n").filter(Boolean).slice(-2).join(" | ");
    throw new NotAvailable(`serve did not start (${(e as Error).message})${last ? `: ${last}` : ""}`);
  }
  const auth = "Basic " + Buffer.from(`${SINK_ACCOUNT.user}:${SINK_ACCOUNT.password}`).toString("base64");
  return {
    backend, smtpPort, httpPort, dir, dbUrl, readyMs: performance.now() - t0, child,
    rss: () => groupRss(child.pid),
    wsUrl: `ws://127.0.0.1:${httpPort}/webapi/v0/events`,
    stop: child.stop,
    api: webapiClient(httpPort, auth),
  };
}

/**
 * Calls Send `count` times over `conc` concurrent requests; returns per-call latencies and nonces.
 * With `pool`, recipients cycle through that many addresses (localserve's account keeps mox's
 * default daily limits: 1,000 messages, 200 first-time recipients).
 */
async function sends(pw: Postwire, count: number, conc: number, maxSeconds: number, pool?: number, futureRelease?: Date) {
  const nonce = nonceMaker();
  const lat: number[] = [], nonces: string[] = [];
  let next = 0, failed = 0, firstError: string | undefined;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next < count && performance.now() - t0 < maxSeconds * 1000) {
      next++;
      const n = nonce();
      const to = pool ? `rcpt-${next % pool}@example.org` : `rcpt-${n}@example.org`;
      const s = performance.now();
      try {
        const r = await pw.api("Send", { To: [{ Address: to }], Subject: `bench ${n}`, Text: "bench body\n".repeat(100), ...(futureRelease ? { FutureRelease: futureRelease.toISOString() } : {}) });
        if (r.status === 200) { lat.push(performance.now() - s); nonces.push(n); }
        else { failed++; firstError ??= `HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`; }
      } catch (e) { failed++; firstError ??= reason(e); }
    }
  }));
  return { seconds: (performance.now() - t0) / 1000, lat, nonces, failed, firstError, t0 };
}

/**
 * Outbound delivery alone: `count` Sends scheduled (FutureRelease) for one moment after they are
 * all queued, then delivered/s from that moment to the last `delivered` webhook.
 */
async function backlog(ctx: BenchContext, pw: Postwire, hooks: Awaited<ReturnType<typeof startWebhookReceiver>>, count: number) {
  const leadMs = ctx.quick ? 12_000 : 50_000;
  const releaseAt = new Date(Date.now() + leadMs);
  const before = hooks.arrivals.at.size;
  const r = await sends(pw, count, 10, leadMs / 1000 - 2, undefined, releaseAt);
  const queuedInTime = Date.now() < releaseAt.getTime();
  await new Promise((res) => setTimeout(res, Math.max(0, releaseAt.getTime() - Date.now())));
  await waitArrivals(hooks.arrivals, before + r.nonces.length, 5000, ctx.quick ? 30_000 : 180_000);
  const times = r.nonces.map((n) => hooks.arrivals.at.get(n)).filter((t): t is number => t !== undefined);
  // Arrival times are performance.now() values of this process: the release moment in that clock.
  const release = performance.now() - (Date.now() - releaseAt.getTime());
  const last = times.length ? Math.max(...times) : NaN;
  return { queued: r.nonces.length, failed: r.failed, queuedInTime, delivered: times.length, rate: times.length ? times.length / ((last - release) / 1000) : undefined };
}

/** A burst of Sends, then the `delivered` webhooks of the accepted ones: delivered/s from the first Send to the last webhook. */
async function burst(ctx: BenchContext, pw: Postwire, hooks: Awaited<ReturnType<typeof startWebhookReceiver>>, count: number, pool?: number) {
  const r = await sends(pw, count, 10, ctx.quick ? 8 : 60, pool);
  await waitArrivals(hooks.arrivals, r.nonces.length, 5000, ctx.quick ? 30_000 : 180_000);
  const times = r.nonces.map((n) => hooks.arrivals.at.get(n)).filter((t): t is number => t !== undefined);
  const lastAt = times.length ? Math.max(...times) : NaN;
  return {
    r,
    accepted: r.nonces.length / r.seconds,
    l: latency(r.lat, r.lat.length),
    times,
    delivered: times.length ? times.length / ((lastAt - r.t0) / 1000) : undefined,
    kinds: Object.fromEntries(hooks.arrivals.kinds),
  };
}

async function run(ctx: BenchContext): Promise<Section> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const data: unknown[] = [];
  const notes: string[] = [];
  const count = ctx.quick ? 500 : 5000;
  // localserve: under its account's daily limits (mox defaults), to a pool of 150 recipients.
  const localCount = Math.min(count, 900), localPool = 150;
  for (const backend of ctx.lightBackends) {
    let delivered: number | undefined;
    const hooks = await startWebhookReceiver();
    try {
      const pw = await startPostwire(ctx, { backend, outgoingWebhook: hooks.url });
      ctx.log(`send ${backend}: ${localCount} webapi Send calls, 10 concurrent`);
      const b = await burst(ctx, pw, hooks, localCount, localPool);
      const { r, accepted, l, times, kinds } = b;
      delivered = b.delivered;
      rows.push([`postwire-${backend}`, `${num(accepted)}${r.failed ? ` (${r.failed} failed)` : ""}`,
        `${num(l.p50)} / ${num(l.p99)}`, delivered !== undefined ? `${num(delivered)} (${times.length} of ${r.nonces.length})` : "none seen",
        JSON.stringify(kinds)]);
      if (r.firstError) notes.push(`${backend}: ${r.failed} Send calls failed, first: ${r.firstError}`);
      data.push({ backend, count: localCount, accepted, latency: l, failed: r.failed, firstError: r.firstError, delivered, deliveredCount: times.length, kinds });
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
  // serve mode, delivery.smarthost = smtp-sink: the same burst, delivered/s counted from
  // `delivered` outgoing webhooks (matched by Subject), from the first Send to the last webhook.
  for (const backend of ctx.lightBackends) {
    let delivered: number | undefined;
    let why = "no delivered events";
    const hooks = await startWebhookReceiver();
    let sink: SmtpTarget | undefined;
    try {
      const missing = ensurePostfix(ctx.log); // smtp-sink comes with Debian's postfix
      if (missing) throw new NotAvailable(missing);
      sink = await startSmtpSink();
      const pw = await startServeToSink(ctx, backend, sink.port, hooks.url);
      ctx.log(`send ${backend} serve → smtp-sink: ${count} webapi Send calls, 10 concurrent`);
      const b = await burst(ctx, pw, hooks, count);
      const { r, accepted, l, times, kinds } = b;
      ctx.log(`send ${backend} serve → smtp-sink: a backlog released at once`);
      const q = await backlog(ctx, pw, hooks, ctx.quick ? 500 : 3000);
      delivered = q.rate;
      rows.push([`postwire serve (${backend}) → smtp-sink, backlog of ${q.queued} released at once`, `${q.queued} queued${q.queuedInTime ? "" : " (not all before the release)"}`, "",
        q.rate !== undefined ? `${num(q.rate)} (${q.delivered} of ${q.queued})` : "none seen", ""]);
      data.push({ backend, mode: "serve-smtp-sink-backlog", ...q });
      rows.push([`postwire serve (${backend}) → smtp-sink`, `${num(accepted)}${r.failed ? ` (${r.failed} failed)` : ""}`,
        `${num(l.p50)} / ${num(l.p99)}`, b.delivered !== undefined ? `${num(b.delivered)} (${times.length} of ${r.nonces.length})` : "none seen",
        JSON.stringify(kinds)]);
      if (r.firstError) notes.push(`serve ${backend}: ${r.failed} Send calls failed, first: ${r.firstError}`);
      data.push({ backend, mode: "serve-smtp-sink", count, accepted, latency: l, failed: r.failed, firstError: r.firstError, delivered: b.delivered, deliveredCount: times.length, kinds });
      await pw.stop();
    } catch (e) {
      why = reason(e);
      rows.push([`postwire serve (${backend}) → smtp-sink`, `not available: ${why}`, "", "", ""]);
    } finally {
      await hooks.close();
      await sink?.stop();
    }
    targets.push({
      name: `outbound delivery into smtp-sink (serve${ctx.lightBackends.length > 1 ? `, ${backend}` : ""})`, target: "≥500 msg/s",
      measured: delivered !== undefined ? `${num(delivered)} msg/s` : `not available: ${why}`,
      met: delivered !== undefined ? delivered >= 500 : null,
    });
  }
  return {
    id: "send", title: "4. webapi Send and outbound delivery",
    columns: ["server", "Send accepted/s", "Send latency p50 / p99 ms", "delivered msg/s (from first Send)", "outgoing events seen"],
    rows, targets, data,
    notes: [
      ...notes,
      `Send calls with one recipient each, about 1 KB text, 10 in flight; accepted = HTTP 200. serve: ${count} calls to distinct recipients; localserve: ${localCount} calls to ${localPool} recipients, under its account's mox-default daily limits (1,000 messages, 200 first-time recipients).`,
      "localserve delivers each message to its own SMTP port; delivered/s counts `delivered` outgoing webhooks (matched by Subject) from the first Send to the last webhook.",
      "serve → smtp-sink: `postwire serve` with `delivery.smarthost` at an smtp-sink on loopback, default queue concurrency (10), throwaway database; counted the same way.",
      "Backlog row (the target's figure): Sends with a FutureRelease after all of them are queued; delivered/s from that moment to the last `delivered` webhook, so Send's own cost is not in it.",
    ],
  };
}

const workload: Workload = { id: "send", title: "webapi Send accepted/s and outbound delivery/s", run };
export default workload;
