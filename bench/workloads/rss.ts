// Workload 6: memory and start-up. localserve time-to-ready on a fresh and a reused data dir (or
// database); RSS idle, with 1,000 concurrent SMTP sessions and with 10,000 idle WebSocket
// subscribers. Clients are spread over several 127.x source addresses (per-IP connection limits).
import { setTimeout as sleep } from "node:timers/promises";
import { startPostwire, postwireUnavailable, type Postwire } from "../lib/postwire.js";
import { openSubscriber, type WsSubscriber } from "../lib/receiver.js";
import { SmtpConn } from "../lib/smtp-client.js";
import { startHaraka } from "../lib/peers.js";
import { ensureHaraka } from "../lib/install.js";
import { groupRss } from "../lib/proc.js";
import { mb, num } from "../lib/stats.js";
import { reason, type Backend, type BenchContext, type Section, type Target, type Workload } from "../lib/types.js";

const SMTP_SESSIONS = 1000, WS_SUBSCRIBERS = 10_000;

/** The i-th client source address: 20 SMTP sessions (or 100 sockets) per 127.x.y.z address. */
const source = (i: number, per: number, net: number) => { const k = Math.floor(i / per); return `127.${net}.${k >> 8}.${(k & 255) + 1}`; };

/** Opens `n` items with `open(i)`, `batch` at a time, until done or `budgetMs` has passed. */
async function openMany<T>(n: number, batch: number, open: (i: number) => Promise<T>, budgetMs = 600_000) {
  const ok: T[] = [];
  let failed = 0, firstError: string | undefined, outOfTime = false;
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    if (performance.now() - t0 > budgetMs) { outOfTime = true; break; }
    const rs = await Promise.allSettled(Array.from({ length: Math.min(batch, n - i) }, (_, j) => open(i + j)));
    for (const r of rs) if (r.status === "fulfilled") ok.push(r.value); else { failed++; firstError ??= reason(r.reason); }
    if (rs.every((r) => r.status === "rejected")) break; // nothing opens any more: stop trying
  }
  return { ok, failed, firstError, outOfTime, seconds: (performance.now() - t0) / 1000 };
}

/** RSS after SMTP sessions are open and idle; closes them again. */
async function withSessions(port: number, rss: () => number, n: number) {
  const s = await openMany(n, 100, (i) => SmtpConn.open(port, true, source(i, 20, 10)), 60_000);
  await sleep(1000);
  const bytes = rss();
  for (const c of s.ok) c.close();
  await sleep(500);
  return { bytes, open: s.ok.length, failed: s.failed, firstError: s.firstError };
}

async function backendRows(ctx: BenchContext, backend: Backend, rows: string[][], targets: Target[], data: Record<string, unknown>) {
  let first: Postwire | undefined, second: Postwire | undefined;
  try {
    first = await startPostwire(ctx, { backend });
    await first.stop();
    second = await startPostwire(ctx, { backend, dir: first.dir, dbUrl: first.dbUrl });
    await sleep(2000);
    const idle = second.rss();
    const smtp = await withSessions(second.smtpPort, second.rss, SMTP_SESSIONS);
    const n = WS_SUBSCRIBERS;
    // Each upgrade is authenticated; 25 at a time keeps the server from dropping pending upgrades.
    const ws = await openMany(n, 25, (i) => openSubscriber(second!.wsUrl, 20_000, source(i, 100, 20)), ctx.quick ? 30_000 : 300_000);
    await sleep(2000);
    const wsRss = second.rss();
    for (const w of ws.ok as WsSubscriber[]) w.close();
    const name = `postwire-${backend}`;
    rows.push([name, "time to ready, fresh", `${num(first.readyMs)} ms`]);
    rows.push([name, "time to ready, reused", `${num(second.readyMs)} ms`]);
    rows.push([name, "RSS idle", `${mb(idle)} MB`]);
    rows.push([name, `RSS with ${SMTP_SESSIONS} SMTP sessions`, `${mb(smtp.bytes)} MB (${smtp.open} open${smtp.failed ? `, ${smtp.failed} failed: ${smtp.firstError}` : ""})`]);
    const wsNote = `${ws.ok.length} open after ${num(ws.seconds)} s${ws.outOfTime ? " (time budget over)" : ""}${ws.failed ? `, ${ws.failed} failed: ${ws.firstError}` : ""}`;
    rows.push([name, `RSS with ${n} WebSocket subscribers`, `${mb(wsRss)} MB (${wsNote})`]);
    data[backend] = { readyFresh: first.readyMs, readyReused: second.readyMs, idle, smtp, ws: { bytes: wsRss, open: ws.ok.length, failed: ws.failed, firstError: ws.firstError, seconds: ws.seconds } };
    targets.push({ name: `${WS_SUBSCRIBERS} WebSocket subscribers RSS (${backend})`, target: "≤300 MB",
      measured: ws.ok.length === n ? `${mb(wsRss)} MB` : ws.ok.length ? `${mb(wsRss)} MB with only ${wsNote}` : `not available: ${ws.firstError}`,
      met: ws.ok.length === n ? wsRss <= 300 * 2 ** 20 : ws.ok.length ? false : null });
    const worst = Math.max(first.readyMs, second.readyMs);
    targets.push({ name: `localserve ready (${backend}), fresh / reused`, target: "≤3 s",
      measured: `${num(first.readyMs / 1000)} s / ${num(second.readyMs / 1000)} s`, met: worst <= 3000 });
  } catch (e) {
    const why = postwireUnavailable(backend) ?? reason(e);
    rows.push([`postwire-${backend}`, "all", `not available: ${why}`]);
    targets.push({ name: `${WS_SUBSCRIBERS} WebSocket subscribers RSS (${backend})`, target: "≤300 MB", measured: `not available: ${why}`, met: null });
    targets.push({ name: `localserve ready (${backend})`, target: "≤3 s", measured: `not available: ${why}`, met: null });
  } finally {
    await second?.stop();
  }
}

async function run(ctx: BenchContext): Promise<Section> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const data: Record<string, unknown> = {};
  for (const backend of ctx.lightBackends) {
    ctx.log(`rss ${backend}`);
    await backendRows(ctx, backend, rows, targets, data);
  }
  if (!ctx.quick && !ensureHaraka(ctx.root, ctx.log)) { // a Node SMTP peer for scale (full runs)
    try {
      const h = await startHaraka(ctx.tmp, ctx.root);
      await sleep(1000);
      const rss = () => groupRss(h.pgid!);
      const idle = rss();
      const smtp = await withSessions(h.port, rss, SMTP_SESSIONS);
      rows.push(["haraka (peer)", "RSS idle", `${mb(idle)} MB`]);
      rows.push(["haraka (peer)", `RSS with ${SMTP_SESSIONS} SMTP sessions`, `${mb(smtp.bytes)} MB (${smtp.open} open${smtp.failed ? `, ${smtp.failed} failed` : ""})`]);
      data.haraka = { idle, smtp };
      await h.stop();
    } catch (e) { rows.push(["haraka (peer)", "all", `not available: ${reason(e)}`]); }
  }
  return {
    id: "rss", title: "6. Memory and start-up",
    columns: ["server", "measure", "value"], rows, targets, data,
    notes: [
      "RSS = VmRSS summed over the server's process group, read from /proc after the clients have been idle 1–2 s.",
      "Fresh = new data dir (PGlite) or new empty database (PostgreSQL); reused = the same dir or database started again. Ready = first 220 greeting on the SMTP port.",
      "SMTP sessions: connected and past EHLO, 20 per source address 127.10.x.y; WebSocket subscribers: authenticated, 100 per source address 127.20.x.y.",
    ],
  };
}

const workload: Workload = { id: "rss", title: "RSS (idle, 1k SMTP sessions, 10k WebSocket subscribers) and time to ready", run };
export default workload;
