// `npm run bench [-- --quick] [--only smtp-accept,latency,...] [--backends pglite,pg] [--profile]`:
// installs missing peers, runs the workloads one after another on loopback, stops everything it
// started (also on Ctrl-C and errors) and writes bench/results/<DATE>.md plus .json.
import { spawnSync } from "node:child_process";
import { mkdtempSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { releaseAll, track, trackedCount } from "./lib/proc.js";
import { machineInfo, renderMarkdown, writeReport } from "./lib/report.js";
import { reason, type Backend, type BenchContext, type Section, type Workload } from "./lib/types.js";
import smtpAccept from "./workloads/smtp-accept.js";
import latency from "./workloads/latency.js";
import webhooks from "./workloads/webhooks.js";
import send from "./workloads/send.js";
import queueClaim from "./workloads/queue-claim.js";
import rss from "./workloads/rss.js";
import search from "./workloads/search.js";
import obsCost from "./workloads/obs-cost.js";
import push from "./workloads/push.js";
import hostile from "./workloads/hostile.js";

const WORKLOADS: Workload[] = [smtpAccept, latency, webhooks, send, queueClaim, rss, obsCost, push, search, hostile];
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function usage(): never {
  console.log(`usage: npm run bench -- [--quick] [--only ${WORKLOADS.map((w) => w.id).join(",")}] [--backends pglite,pg] [--out DIR]
  --quick      shortened runs (under 3 minutes in total once peers are installed)
  --only       run only these workloads
  --backends   Postwire storage backends to measure (default: pglite,pg; --quick runs the
               secondary workloads on the first only unless --backends is given)
  --profile    start localserve with node --cpu-prof (profiles in bench/results/profiles)
  --out        results folder (default bench/results)`);
  process.exit(0);
}

function parseArgs(argv: string[]) {
  const o = { quick: false, only: [] as string[], backends: ["pglite", "pg"] as Backend[], explicitBackends: false,
    profile: false, out: join(root, "bench", "results") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => { const v = argv[++i]; if (!v) usage(); return v; };
    if (a === "--quick") o.quick = true;
    else if (a === "--only") o.only = val().split(",").map((s) => s.trim()).filter(Boolean);
    else if (a.startsWith("--only=")) o.only = a.slice(7).split(",");
    else if (a === "--backends") { o.backends = val().split(",") as Backend[]; o.explicitBackends = true; }
    else if (a === "--profile") o.profile = true;
    else if (a === "--out") o.out = val();
    else usage();
  }
  // `npm run bench --quick` (without `--`) reaches the script only as npm config in the environment
  // (npm keeps `--only` for itself: use `npm run bench -- --only ...`).
  const env = process.env;
  if (env.npm_config_quick === "true") o.quick = true;
  if (!o.explicitBackends && env.npm_config_backends) { o.backends = env.npm_config_backends.split(",") as Backend[]; o.explicitBackends = true; }
  if (env.npm_config_profile === "true") o.profile = true;
  const unknown = o.only.filter((id) => !WORKLOADS.some((w) => w.id === id));
  if (unknown.length) { console.error(`unknown workload(s): ${unknown.join(", ")}`); usage(); }
  if (o.backends.some((b) => b !== "pglite" && b !== "pg")) usage();
  return o;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), "postwire-bench-"));
  chmodSync(tmp, 0o755); // Postfix's delivery user must reach its Maildir inside
  track({ name: "tmp", stop: async () => rmSync(tmp, { recursive: true, force: true }), kill: () => rmSync(tmp, { recursive: true, force: true }) });
  const log = (m: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${m}\n`);
  const lightBackends = args.quick && !args.explicitBackends ? args.backends.slice(0, 1) : args.backends;
  const ctx: BenchContext = { quick: args.quick, backends: args.backends, lightBackends, profile: args.profile, tmp, root, log };
  // bin/postwire.js runs dist/ only while it matches src/ (else src/ through tsx, a slower
  // start): build first so the numbers are the built product's, as installed by npm ci.
  if (!process.env.BENCH_POSTWIRE_BIN) {
    const b = spawnSync(process.execPath, [join(root, "scripts", "build.mjs")], { encoding: "utf8" });
    log(b.status === 0 ? b.stdout.trim() : `build failed, localserve runs through tsx: ${(b.stderr || b.stdout).trim().slice(0, 300)}`);
  }
  const machine = machineInfo();
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ram}, node ${machine.node}, kernel ${machine.kernel}`);
  const chosen = WORKLOADS.filter((w) => !args.only.length || args.only.includes(w.id));
  const sections: Section[] = [];
  const base = trackedCount();
  for (const w of chosen) {
    log(`workload ${w.id}: ${w.title}`);
    const ts = performance.now();
    try {
      sections.push({ ...(await w.run(ctx)), seconds: (performance.now() - ts) / 1000 });
    } catch (e) {
      log(`workload ${w.id} failed: ${reason(e)}`);
      sections.push({ id: w.id, title: w.title, columns: [], rows: [], targets: [], data: { error: reason(e) },
        notes: [`failed: ${reason(e)}`], seconds: (performance.now() - ts) / 1000 });
    }
    await releaseAll(base).catch(() => {});
  }
  await releaseAll();
  const date = new Date().toISOString().slice(0, 10);
  const name = date + (args.quick ? "-quick" : "") + (args.only.length ? "-partial" : "");
  const seconds = (performance.now() - t0) / 1000;
  const argLine = process.argv.slice(2).join(" ");
  const md = renderMarkdown({ date, args: argLine, seconds, machine }, sections);
  const files = writeReport(args.out, name, md, { date, args: argLine, seconds, machine, sections });
  process.stdout.write("\n" + md);
  log(`wrote ${files.md} and ${files.json}`);
}

main().catch(async (e) => {
  console.error("bench failed:", e);
  await releaseAll().catch(() => {});
  process.exit(1);
});
