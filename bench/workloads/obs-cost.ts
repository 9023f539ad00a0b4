// Workload: what metrics and per-message logging cost SMTP accept throughput. Two localserves per
// backend in the same run: "on" (defaults: info log with a `message accepted` line per message,
// Prometheus metrics) and "off" (`--log-level warn --no-metrics`), measured alternately round by
// round with the same load, 2 KB messages over 20 sessions, reused connections and a new
// connection per message. Target (issue 13): on costs at most 5% of off.
import { groupCpuSeconds } from "../lib/proc.js";
import { startPostwire, type Postwire } from "../lib/postwire.js";
import { SmtpConn, benchMessage } from "../lib/smtp-client.js";
import { bulk, nonceMaker } from "../lib/load.js";
import { rangeCell, summarize, type RunSummary } from "../lib/stats.js";
import { reason, type Backend, type BenchContext, type Section, type Target, type Workload } from "../lib/types.js";

type Mode = "reuse" | "newconn";
const CONC = 20;
const SIZE = 2048;
const OFF_FLAGS = ["--log-level", "warn", "--no-metrics"];

/** Sends `n` messages, each over a connection of its own, `CONC` at a time; msgs/s. */
async function newConnections(port: number, n: number): Promise<number> {
  const nonce = nonceMaker();
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (next < n) {
      next++;
      const id = nonce();
      try {
        const c = await SmtpConn.open(port);
        const r = await c.send(id, benchMessage(id, SIZE));
        if (r.code !== 250) failed++;
        c.close();
      } catch { failed++; }
    }
  }));
  if (failed) throw new Error(`${failed} of ${n} messages failed`);
  return n / ((performance.now() - t0) / 1000);
}

async function rate(port: number, mode: Mode, n: number): Promise<number> {
  if (mode === "newconn") return newConnections(port, n);
  const r = await bulk(port, n, CONC, SIZE);
  if (r.failed) throw new Error(`${r.failed} of ${n} failed: ${r.firstError}`);
  return r.achievedRate;
}

async function measure(ctx: BenchContext, backend: Backend, mode: Mode, on: Postwire, off: Postwire,
  problems: string[]): Promise<{ on: RunSummary; off: RunSummary; cpuOn: RunSummary; cpuOff: RunSummary } | null> {
  const seconds = ctx.quick ? 1 : 4;
  const rounds = ctx.quick ? 3 : 5;
  try {
    const pilot = await rate(off.smtpPort, mode, mode === "reuse" ? 300 : 60);
    await rate(on.smtpPort, mode, mode === "reuse" ? 300 : 60); // warm both alike
    const n = Math.max(CONC * 3, Math.round(pilot * seconds));
    const runs = { on: [] as number[], off: [] as number[] };
    // Server CPU per message (its process group: main thread, PGlite and parser workers): less
    // sensitive than msgs/s to other work on a shared machine.
    const cpu = { on: [] as number[], off: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      // Alternate which goes first, so a drift of the machine's load hits both alike.
      const order: ["on" | "off", Postwire][] = i % 2 ? [["off", off], ["on", on]] : [["on", on], ["off", off]];
      for (const [k, pw] of order) {
        const c0 = groupCpuSeconds(pw.child.pid);
        runs[k].push(await rate(pw.smtpPort, mode, n));
        cpu[k].push(((groupCpuSeconds(pw.child.pid) - c0) * 1000) / n);
      }
    }
    return { on: summarize(runs.on), off: summarize(runs.off), cpuOn: summarize(cpu.on), cpuOff: summarize(cpu.off) };
  } catch (e) {
    problems.push(`${backend} ${mode}: ${reason(e)}`);
    return null;
  }
}

async function run(ctx: BenchContext): Promise<Section> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const problems: string[] = [];
  const data: unknown[] = [];
  for (const backend of ctx.backends) {
    let on: Postwire | undefined;
    let off: Postwire | undefined;
    try {
      on = await startPostwire(ctx, { backend });
      off = await startPostwire(ctx, { backend, args: OFF_FLAGS });
      for (const mode of ["reuse", "newconn"] as Mode[]) {
        const r = await measure(ctx, backend, mode, on, off, problems);
        const label = `${backend} ${mode === "reuse" ? "reused connections" : "new connection per message"}`;
        if (!r) { rows.push([label, "failed", "failed", "", "", "", "", ""]); continue; }
        const cost = 1 - r.on.median / r.off.median;
        const cpuCost = r.cpuOn.median / r.cpuOff.median - 1;
        rows.push([label, rangeCell(r.on), rangeCell(r.off), `${(cost * 100).toFixed(1)}%`,
          ms(r.cpuOn), ms(r.cpuOff), `${(cpuCost * 100).toFixed(1)}%`]);
        targets.push({ name: `metrics + per-message logs cost, ${label}`, target: "<= 5% of accept throughput", measured: `${(cost * 100).toFixed(1)}% msgs/s, ${(cpuCost * 100).toFixed(1)}% server CPU per message`, met: cost <= 0.05 });
        data.push({ backend, mode, on: r.on, off: r.off, cost, cpuMsPerMessage: { on: r.cpuOn, off: r.cpuOff }, cpuCost });
      }
    } catch (e) {
      rows.push([`${backend}`, `not available: ${reason(e)}`, "", "", "", "", ""]);
      targets.push({ name: `metrics + per-message logs cost, ${backend}`, target: "<= 5%", measured: "not measured", met: null });
    } finally {
      await on?.stop();
      await off?.stop();
    }
  }
  return {
    id: "obs-cost",
    title: "Observability cost: SMTP accept msgs/s with metrics and per-message logs on vs off",
    columns: ["backend, load", "on msgs/s median (min-max)", "off msgs/s", "msgs/s cost", "on server CPU ms/msg", "off server CPU ms/msg", "CPU cost"],
    rows,
    notes: [
      `2 KB messages, ${CONC} concurrent sessions, Node SMTP clients of bench/lib in the bench process; "on" is localserve's default (log level info: a \`message accepted\` JSON line per message on stdout, read by the bench through a pipe; metrics on), "off" is \`${OFF_FLAGS.join(" ")}\`. Both run at once and are measured alternately, ${ctx.quick ? 3 : 5} rounds each.`,
      ...problems.map((p) => `problem: ${p}`),
    ],
    targets,
    data,
  };
}

function ms(s: RunSummary): string {
  return `${s.median.toFixed(3)} (${s.min.toFixed(3)}–${s.max.toFixed(3)})`;
}

const workload: Workload = { id: "obs-cost", title: "Observability cost on SMTP accept", run };
export default workload;
