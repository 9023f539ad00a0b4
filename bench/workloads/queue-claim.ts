// Workload 5: queue claim latency with 1k, 100k and 1M pending jobs, through Postwire's own
// src/queue (claimJobs/completeJob/enqueue) on a throwaway database. The measuring part runs in a
// child process (this same file with --child) so the harness never loads src/ and can kill it.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createThrowawayDb, pgInfo } from "../lib/pg.js";
import { track, release } from "../lib/proc.js";
import { latency, num, type LatencySummary } from "../lib/stats.js";
import { reason, type Backend, type BenchContext, type Section, type Target, type Workload } from "../lib/types.js";

const SIZES = [1_000, 100_000, 1_000_000];
const KIND = "bench-claim";

interface ChildResult { pending: number; seedSeconds: number; claim: LatencySummary; claimBatch10: LatencySummary }

/** Child: opens the database, seeds up to each size, measures claim+complete; prints JSON lines. */
async function child(backend: Backend, target: string, sizes: number[], iterations: number): Promise<void> {
  const db = (await import("../../src/db/index.js")) as typeof import("../../src/db/index.js");
  const q = (await import("../../src/queue/index.js")) as typeof import("../../src/queue/index.js");
  const database = await db.openDatabase(backend === "pg" ? { url: target, dataDir: target } : { dataDir: target });
  const { sql } = database;
  try {
    let have = 0;
    for (const n of sizes) {
      const t0 = performance.now();
      // Seeding 1M rows through enqueue() would take minutes; one INSERT ... SELECT fills the same
      // table the queue owns with rows shaped like enqueueJobs' (due a minute ago, unlocked).
      for (let left = n - have; left > 0; left -= 200_000) {
        await sql`insert into jobs (kind, payload, run_at) select ${KIND}, '{"n":1}'::jsonb, now() - interval '1 minute'
                  from generate_series(1, ${Math.min(left, 200_000)})`;
      }
      await sql`analyze jobs`;
      have = n;
      const seedSeconds = (performance.now() - t0) / 1000;
      const measure = async (limit: number) => {
        const xs: number[] = [];
        for (let i = 0; i < iterations; i++) {
          const s = performance.now();
          const jobs = await q.claimJobs(database.db, { kinds: [KIND], workerId: "bench", limit, now: new Date() });
          xs.push(performance.now() - s);
          // Keep the pending count constant: finish what was claimed and enqueue as many new jobs.
          for (const j of jobs) await q.completeJob(database.db, j);
          await q.enqueue(database, database.db, jobs.map(() => ({ kind: KIND, payload: { n: 1 }, runAt: new Date(Date.now() - 60_000) })));
        }
        return latency(xs, iterations);
      };
      const claim = await measure(1);
      const claimBatch10 = await measure(10);
      const out: ChildResult = { pending: n, seedSeconds, claim, claimBatch10 };
      process.stdout.write(JSON.stringify(out) + "\n");
    }
  } finally {
    await database.close();
  }
}

function runChild(ctx: BenchContext, backend: Backend, sizes: number[], iterations: number): Promise<ChildResult[]> {
  const target = backend === "pg" ? createThrowawayDb("queue").url : mkdtempSync(join(ctx.tmp, "queue-"));
  const file = fileURLToPath(import.meta.url);
  const p = spawn(process.execPath, ["--import", "tsx", file, "--child", backend, target, sizes.join(","), String(iterations)],
    { cwd: ctx.root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const kill = () => { try { process.kill(-(p.pid ?? 0), "SIGKILL"); } catch { /* gone */ } };
  const res = track({ name: "queue-claim child", kill, stop: async () => kill() });
  let out = "", err = "";
  p.stdout!.on("data", (b: Buffer) => {
    out += b.toString();
    const lines = out.split("\n");
    for (const l of lines.slice(0, -1)) if (l.startsWith("{")) ctx.log(`queue-claim ${backend}: ${l.slice(0, 160)}`);
    out = lines.at(-1) ?? "";
    results.push(...lines.slice(0, -1).filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as ChildResult));
  });
  p.stderr!.on("data", (b: Buffer) => { err = (err + b.toString()).slice(-2000); });
  const results: ChildResult[] = [];
  return new Promise((resolve, reject) => {
    p.on("exit", (code) => {
      void release(res);
      if (code === 0 || results.length) resolve(results);
      else reject(new Error(`queue child exited ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`));
    });
  });
}

async function run(ctx: BenchContext): Promise<Section> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const notes: string[] = [];
  const data: Record<string, unknown> = {};
  const iterations = ctx.quick ? 100 : 1000;
  for (const backend of ctx.backends) {
    let why: string | undefined;
    if (ctx.quick && backend === "pglite") { // PGlite (WASM) seeds 1M rows slowly: full runs only
      rows.push([backend, "–", "skipped in --quick", "", "", ""]);
      continue;
    }
    if (!existsSync(join(ctx.root, "src", "queue", "index.ts"))) why = "src/queue does not exist yet";
    else if (backend === "pg" && !pgInfo().ok) why = (pgInfo() as { reason: string }).reason;
    const sizes = ctx.quick ? SIZES.slice(0, 2) : SIZES; // --quick: 1M seeding alone takes 10–20 s
    let res: ChildResult[] = [];
    if (!why) {
      ctx.log(`queue-claim ${backend}: ${sizes.join(", ")} pending, ${iterations} claims each`);
      try { res = await runChild(ctx, backend, sizes, iterations); } catch (e) { why = reason(e); }
    }
    data[backend] = why ? { error: why } : res;
    if (why) rows.push([backend, "–", `not available: ${why}`, "", "", ""]);
    for (const r of res) rows.push([backend, r.pending.toLocaleString("en"), `${num(r.claim.p50)} / ${num(r.claim.p95)} / ${num(r.claim.p99)}`,
      `${num(r.claimBatch10.p50)} / ${num(r.claimBatch10.p99)}`, num(r.seedSeconds), ""]);
    const small = res.find((r) => r.pending === sizes[0]), big = res.find((r) => r.pending === sizes.at(-1));
    const x = small && big ? big.claim.p50 / small.claim.p50 : NaN;
    const bigLabel = sizes.at(-1) === 1_000_000 ? "1M" : `${(sizes.at(-1) ?? 0) / 1000}k (--quick; 1M in full runs)`;
    targets.push({
      name: `queue claim at ${bigLabel} vs 1k pending (${backend})`, target: "≤2× (p50)",
      measured: Number.isFinite(x) ? `${num(x)}× (${num(big!.claim.p50)} vs ${num(small!.claim.p50)} ms)` : `not measured: ${why ?? "missing results"}`,
      met: Number.isFinite(x) ? x <= 2 : null,
    });
  }
  notes.push(
    "claimJobs(limit 1 or 10) from src/queue, timed alone; each claimed job is then completed and replaced so the pending count stays constant.",
    "Pending jobs are seeded with INSERT … SELECT generate_series into the queue's `jobs` table (due, unlocked), then ANALYZE.",
  );
  return {
    id: "queue-claim", title: "5. Queue claim latency (ms)",
    columns: ["backend", "pending jobs", "claim 1: p50 / p95 / p99", "claim 10: p50 / p99", "seed s", ""],
    rows, notes, targets, data,
  };
}

const workload: Workload = { id: "queue-claim", title: "queue claim latency at 1k / 100k / 1M pending jobs", run };
export default workload;

if (process.argv[2] === "--child") {
  const [, , , backend, target, sizes, iterations] = process.argv;
  child(backend as Backend, target!, sizes!.split(",").map(Number), Number(iterations)).then(
    () => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
}
