// Workload 1: SMTP accept rate with smtp-source, new connection per message and reused connections
// (-d), 2 KB / 100 KB, concurrency 1 / 20. Postwire (PGlite, PostgreSQL) against Postfix (fsync),
// Haraka and smtp-sink, interleaved round by round; msgs/s median (min–max) of 3 runs and ratios.
import { setTimeout as sleep } from "node:timers/promises";
import { startHaraka, startPostfix, startSmtpSink, type SmtpTarget } from "../lib/peers.js";
import { ensureHaraka, ensurePostfix } from "../lib/install.js";
import { startPostwire } from "../lib/postwire.js";
import { runSmtpSource } from "../lib/smtp-source.js";
import { rangeCell, ratio as fmtRatio, summarize, type RunSummary } from "../lib/stats.js";
import { reason, type BenchContext, type Section, type Target, type Workload } from "../lib/types.js";

type Mode = "newconn" | "reuse";
interface Cell { mode: Mode; size: number; conc: number }
const GOAL: Record<Mode, number> = { newconn: 1.5, reuse: 3 };

function cells(quick: boolean): Cell[] {
  const out: Cell[] = [];
  for (const mode of ["newconn", "reuse"] as Mode[])
    for (const size of quick ? [2048] : [2048, 102400])
      for (const conc of quick ? [20] : [1, 20]) out.push({ mode, size, conc });
  return out;
}

const label = (c: Cell) => `${c.size >= 102400 ? "100 KB" : "2 KB"} c${c.conc}`;

async function startTargets(ctx: BenchContext, unavailable: Map<string, string>): Promise<SmtpTarget[]> {
  const out: SmtpTarget[] = [];
  const tryStart = async (name: string, f: () => Promise<SmtpTarget>) => {
    try { out.push(await f()); } catch (e) { unavailable.set(name, reason(e)); ctx.log(`${name} not available: ${reason(e)}`); }
  };
  const pf = ensurePostfix(ctx.log);
  if (pf) { unavailable.set("smtp-sink", pf); unavailable.set("postfix", pf); }
  else {
    await tryStart("smtp-sink", startSmtpSink);
    await tryStart("postfix", () => startPostfix(ctx.tmp));
  }
  const hk = ensureHaraka(ctx.root, ctx.log);
  if (hk) unavailable.set("haraka", hk); else await tryStart("haraka", () => startHaraka(ctx.tmp, ctx.root));
  for (const backend of ctx.backends) {
    await tryStart(`postwire-${backend}`, async () => {
      const pw = await startPostwire(ctx, { backend });
      return { name: `postwire-${backend}`, port: pw.smtpPort, drain: () => sleep(200), pgid: pw.child.pid, stop: pw.stop };
    });
  }
  return out;
}

async function measureCell(ctx: BenchContext, targets: SmtpTarget[], c: Cell, runs: Map<string, number[]>,
  problems: string[]): Promise<void> {
  const reuse = c.mode === "reuse";
  const seconds = ctx.quick ? 1 : 4;
  const sizes = new Map<string, number>();
  for (const t of targets) { // pilot: size N so that one run takes about `seconds`
    const pilotN = Math.max(c.conc, reuse ? (ctx.quick ? 200 : 500) : (ctx.quick ? 20 : 30));
    try {
      const r = await runSmtpSource(t.port, pilotN, c.size, c.conc, reuse, 60_000);
      sizes.set(t.name, Math.min(20000, Math.max(c.conc, 30, Math.round(r.rate * seconds))));
    } catch (e) { problems.push(`${t.name} ${c.mode} ${label(c)} pilot: ${reason(e)}`); }
    await t.drain();
  }
  for (let round = 0; round < 3; round++) {
    for (const t of targets) {
      const n = sizes.get(t.name);
      if (!n) continue;
      try {
        const r = await runSmtpSource(t.port, n, c.size, c.conc, reuse, 120_000);
        if (r.problems) problems.push(`${t.name} ${c.mode} ${label(c)}: ${r.problems} warnings, first: ${r.firstProblem}`);
        runs.set(t.name, [...(runs.get(t.name) ?? []), r.rate]);
      } catch (e) { problems.push(`${t.name} ${c.mode} ${label(c)} run ${round + 1}: ${reason(e)}`); }
      await t.drain();
    }
  }
}

async function run(ctx: BenchContext): Promise<Section> {
  const unavailable = new Map<string, string>();
  const targets = await startTargets(ctx, unavailable);
  const names = ["smtp-sink", "postfix", "haraka", ...ctx.backends.map((b) => `postwire-${b}`)];
  const pwNames = ctx.backends.map((b) => `postwire-${b}`);
  const problems: string[] = [];
  const results: { cell: Cell; summary: Record<string, RunSummary | null> }[] = [];
  for (const c of cells(ctx.quick)) {
    ctx.log(`smtp-accept ${c.mode} ${label(c)}`);
    const runs = new Map<string, number[]>();
    await measureCell(ctx, targets, c, runs, problems);
    const summary: Record<string, RunSummary | null> = {};
    for (const n of names) summary[n] = runs.get(n)?.length ? summarize(runs.get(n)!) : null;
    results.push({ cell: c, summary });
  }
  const ratio = (a: RunSummary | null, b: RunSummary | null) => (a && b ? a.median / b.median : NaN);
  const rows = results.map(({ cell, summary }) => [
    cell.mode, label(cell),
    ...names.map((n) => (summary[n] ? rangeCell(summary[n]!) : unavailable.has(n) ? "n/a" : "failed")),
    ...pwNames.map((n) => fmtRatio(ratio(summary[n]!, summary.postfix!))),
    ...pwNames.map((n) => fmtRatio(ratio(summary[n]!, summary["smtp-sink"]!))),
  ]);
  const targetsOut: Target[] = [];
  for (const pw of pwNames) for (const mode of ["newconn", "reuse"] as Mode[]) {
    const rs = results.filter((r) => r.cell.mode === mode)
      .map((r) => ({ l: label(r.cell), x: ratio(r.summary[pw]!, r.summary.postfix!) }))
      .filter((r) => Number.isFinite(r.x));
    const worst = rs.sort((a, b) => a.x - b.x)[0];
    targetsOut.push({
      name: `durable SMTP accept vs Postfix, ${mode === "newconn" ? "new connection" : "reused connections"} (${pw})`,
      target: `≥${GOAL[mode]}× Postfix`,
      measured: worst ? `${fmtRatio(worst.x)} (worst cell, ${worst.l}); ${rs.map((r) => `${r.l} ${fmtRatio(r.x)}`).join(", ")}`
        : `not available: ${unavailable.get(pw) ?? unavailable.get("postfix") ?? "no runs"}`,
      met: worst ? worst.x >= GOAL[mode] : null,
    });
  }
  const notes = [
    "msgs/s = N / wall time of one smtp-source run; median (min–max) of 3 runs, targets interleaved per round; N sized by a pilot run.",
    "Postfix: private instance, queue with fsync, then virtual(8) delivery to a Maildir; drained (queue empty) after each run. Haraka: queue/discard. smtp-sink: accepts and discards (the ceiling).",
    "Durability: PostgreSQL runs with fsync and synchronous_commit on; PGlite issues no fsync (shared/stack.md), so only the postwire-pg rows are durable against power loss like Postfix's.",
    ...[...unavailable].map(([n, r]) => `${n}: not available: ${r}`),
    ...problems.slice(0, 20),
  ];
  return {
    id: "smtp-accept", title: "1. SMTP accept (msgs/s, smtp-source)",
    columns: ["mode", "cell", ...names, ...pwNames.map((n) => `${n}/postfix`), ...pwNames.map((n) => `${n}/sink`)],
    rows, notes, targets: targetsOut, data: { results, unavailable: Object.fromEntries(unavailable), problems },
  };
}

const workload: Workload = { id: "smtp-accept", title: "SMTP accept rate vs Postfix, Haraka, smtp-sink", run };
export default workload;
