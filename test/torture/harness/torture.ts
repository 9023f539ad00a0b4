// The torture loop (docs/guarantees.md E12, E1–E5, E11): mixed load with nonces, SIGKILL at a seeded
// random moment or at an armed fault point, restart, LEDGER check after every cycle, and an
// idle check (queues drained, everything delivered and webhooked) every few cycles.
import { startHook, type Hook } from "./hook.js";
import { Ledger, type LedgerStats } from "./ledger.js";
import { seededRandom, settle, startLoad } from "./load.js";
import { startTortureServer, type TortureServer } from "./server.js";
import { readSnapshot } from "./snapshot.js";

/** Fault points a cycle may arm instead of a timed kill (names as in src/). */
export const killPoints = ["accept.after-commit", "delivery.after-remote-250", "webhook.after-post"] as const;

/** Settings of one run. */
export type TortureOptions = {
  seed: number;
  cycles: number;
  /** PostgreSQL server URL to create the database on; default TEST_DATABASE_URL or PGlite. */
  pgBaseUrl?: string;
  /** Timed kill delay range in ms after the load started. */
  killAfterMs: [number, number];
  /** Every Nth cycle kills at a fault point instead (0: never). */
  faultEvery?: number;
  /** Explicit plan: the fault point of cycle i+1, null for a timed kill (overrides faultEvery). */
  plan?: (string | null)[];
  /** Lift the account's daily send limits first (default true; a short run stays under them). */
  raiseLimits?: boolean;
  /** Every Nth cycle (and the last) waits for idle and checks the drained invariants. */
  drainEvery: number;
  workers: number;
  timeScale?: number;
  log?: (line: string) => void;
};

/** One cycle's facts. */
export type CycleReport = { cycle: number; how: string; attempts: number; rssKb: number; fds: number; violations: string[] };

/** The run's result. */
export type TortureReport = {
  seed: number;
  backend: string;
  cycles: CycleReport[];
  /** Milliseconds each (re)start took until the banner. */
  startsMs: number[];
  violations: string[];
  stats: LedgerStats | null;
  /** Whether the server had webhooks configured (the webhook checks ran). */
  webhooks: boolean;
  hookRequests: number;
  badSignatures: string[];
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the loop; never throws for a violation (they are in the report). */
export async function runTorture(o: TortureOptions): Promise<TortureReport> {
  const random = seededRandom(o.seed);
  const log = o.log ?? (() => {});
  const hook = await startHook(seededRandom(o.seed ^ 0x5eed), 0.1);
  const ledger = new Ledger();
  const report: TortureReport = { seed: o.seed, backend: "", cycles: [], startsMs: [], violations: [], stats: null, webhooks: false, hookRequests: 0, badSignatures: [] };
  // The fault point a cycle kills at (null: a timed kill), drawn before the cycle starts.
  const pointFor = (cycle: number): string | null => {
    if (o.plan) return o.plan[cycle - 1] ?? null;
    if (!o.faultEvery || cycle % o.faultEvery !== 0) return null;
    const points = killPoints.filter((p) => report.webhooks || !p.startsWith("webhook."));
    return points[Math.floor(random() * points.length)]!;
  };
  const specFor = (point: string | null) => (point ? `${point}:kill@${1 + Math.floor(random() * 3)}` : "");
  let point = pointFor(1);
  let armed = specFor(point);
  const args = ["--time-scale", String(o.timeScale ?? 600), "--incoming-webhook", hook.url("/in"), "--outgoing-webhook", hook.url("/out"), "--webhook-secret", hook.secret];
  const server = await startTortureServer({ args, pgBaseUrl: o.pgBaseUrl, faults: armed });
  report.backend = server.backend;
  const ensure = async (faults: string) => {
    if (server.running() && armed === faults) return;
    if (server.running()) await server.stop();
    report.startsMs.push(await server.start(faults));
    armed = faults;
  };
  const check = async (drained: boolean, afterKill = false): Promise<string[]> =>
    server.withDb(async (db) => {
      const snap = await readSnapshot(db);
      report.webhooks = snap.webhookUrls !== null;
      const r = ledger.check(snap, { drained, hookSeen: hook.seen });
      report.stats = r.stats;
      // The killed process's queue locks would time out after 10 min: let that time "pass".
      if (afterKill) await db.sql`update jobs set locked_at = locked_at - interval '1 day' where locked_by is not null`;
      return r.violations;
    });
  try {
    if (o.raiseLimits !== false) await raiseLimits(server, () => ensure(armed));
    const seen = new Set<string>();
    for (let cycle = 1; cycle <= o.cycles; cycle++) {
      if (cycle > 1) {
        point = pointFor(cycle);
        await ensure(specFor(point));
      }
      const load = startLoad({ ports: server.ports, ledger, random, cycle, workers: o.workers, alive: server.running });
      const delay = o.killAfterMs[0] + random() * (o.killAfterMs[1] - o.killAfterMs[0]);
      let how = `timed kill after ${Math.round(delay)} ms`;
      let st = { rssKb: 0, fds: 0 };
      if (point) {
        await sleep(300);
        st = server.running() ? server.stats() : st;
        const hit = await server.exited(8000);
        how = hit ? `fault point ${point}` : `fault point ${point} not reached in 8 s; killed`;
      } else {
        await sleep(delay);
        if (server.running()) st = server.stats();
      }
      await server.kill9();
      ledger.kills.push(cycle);
      await load.stop();
      const c: CycleReport = { cycle, how, attempts: load.attempts(), ...st, violations: [] };
      c.violations.push(...(await check(false, true)));
      if (cycle % o.drainEvery === 0 || cycle === o.cycles) {
        await ensure("");
        await settle({ ports: server.ports, ledger, cycle });
        c.violations.push(...(await waitDrained(server, () => check(true, server.backend === "pglite"), () => ensure(""), () => (armed = "-"))));
      }
      report.cycles.push(c);
      report.violations.push(...c.violations.map((x) => `cycle ${cycle} (${how}): ${x}`));
      const fresh = c.violations.filter((x) => !seen.has(x));
      fresh.forEach((x) => seen.add(x));
      log(`cycle ${cycle}: ${how}, ${c.attempts} attempts, last start ${report.startsMs.at(-1) ?? 0} ms, rss ${Math.round(c.rssKb / 1024)} MB, fds ${c.fds}, ${c.violations.length} violations${fresh.length ? `; new: ${fresh.join(" | ")}` : ""}`);
    }
  } finally {
    report.hookRequests = hook.requests();
    report.badSignatures = hook.badSignatures;
    await server.cleanup();
    await hook.close();
  }
  return report;
}

/**
 * Polls until the drained invariants hold, for up to ~2 minutes (retries back off: at time
 * scale 600 the delivery schedule's 8 h step is 48 s); on PGlite each look needs a stop and a start.
 */
async function waitDrained(server: TortureServer, check: () => Promise<string[]>, restart: () => Promise<void>, stopped: () => void): Promise<string[]> {
  let last: string[] = [];
  const pglite = server.backend === "pglite";
  for (let i = 0, waited = 0; waited < 120_000; i++) {
    const ms = pglite ? 5000 * (i + 1) : 1000;
    await sleep(ms);
    waited += ms;
    if (server.backend === "pglite") {
      await server.stop();
      stopped();
    }
    last = await check();
    if (last.length === 0) return [];
    if (server.backend === "pglite") await restart();
  }
  return last;
}

/** The localserve account's daily send limits would refuse most of a long run: lift them. */
async function raiseLimits(server: TortureServer, restart: () => Promise<void>): Promise<void> {
  if (server.backend === "pglite") await server.stop();
  await server.withDb((db) => db.sql`update accounts set settings = settings || '{"maxOutgoingMessagesPerDay": 100000000, "maxFirstTimeRecipientsPerDay": 100000000}'::jsonb`);
  if (!server.running()) await restart();
}
