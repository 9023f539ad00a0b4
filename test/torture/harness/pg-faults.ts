// PostgreSQL faults under load (docs/guarantees.md E6–E8): an immediate restart of the cluster, a
// lock held on the message table, and disk full through a fault point. Each scenario drives
// MX sessions at a steady rate, records every reply in the LEDGER with its latency, and returns
// what the client saw; the caller asserts and runs the ledger check.
import postgres from "postgres";
import { sendWebapi, type AttemptResult } from "./drivers.js";
import type { Ledger } from "./ledger.js";
import { attemptOnce, newMessage, seededRandom } from "./load.js";
import type { PgCluster } from "./pg-cluster.js";
import type { TortureServer } from "./server.js";

/** One MX attempt made during a scenario: when it started (ms after the fault) and its result. */
export type Timed = { atMs: number; ms: number; outcome: string; reply: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one MX message every `everyMs` with up to `concurrency` in flight, until `until()` is true. */
export async function steadyMx(
  server: TortureServer,
  ledger: Ledger,
  o: { everyMs: number; concurrency: number; until: () => boolean; t0: () => number; seed: number; cycle: number; out?: Timed[] },
): Promise<Timed[]> {
  const random = seededRandom(o.seed);
  const out: Timed[] = o.out ?? [];
  const inflight = new Set<Promise<void>>();
  while (!o.until()) {
    if (inflight.size < o.concurrency) {
      const msg = newMessage("mx", random);
      msg.recipients = msg.recipients.map((r) => r.replace("+451-250", ""));
      ledger.add(msg);
      const at = Date.now() - o.t0();
      const p = attemptOnce({ ports: server.ports, ledger, cycle: o.cycle }, msg).then(() => {
        const a = msg.attempts.at(-1)!;
        out.push({ atMs: at, ms: Date.now() - o.t0() - at, outcome: a.outcome, reply: a.reply });
        inflight.delete(p);
      });
      inflight.add(p);
    }
    await sleep(o.everyMs);
  }
  await Promise.all(inflight);
  return out;
}

/**
 * E6: `pg_ctl restart -m immediate` while MX mail and webapi Sends flow. Load goes on for
 * `afterMs` after the restart and longer while the server has not yet answered 250 for a whole
 * second in a row (a loaded machine restarts slower), up to `maxAfterMs`.
 */
export async function restartUnderLoad(cluster: PgCluster, server: TortureServer, ledger: Ledger, seed: number, o = { beforeMs: 1500, afterMs: 12_000, maxAfterMs: 15_000 }) {
  let t0 = Date.now();
  let done = false;
  let restartedAt = -1;
  const api: (AttemptResult & { atMs: number })[] = [];
  const seen: Timed[] = [];
  const mx = steadyMx(server, ledger, { everyMs: 50, concurrency: 20, until: () => done, t0: () => t0, seed, cycle: 1, out: seen });
  const apiLoop = (async () => {
    while (!done) {
      const at = Date.now() - t0;
      const r = await sendWebapi(server.ports.http, { channel: "webapi", recipients: ["api@example.com"], subject: `probe ${at}`, messageId: `<p${at}@x>`, body: "x" });
      api.push({ ...r, atMs: at });
      await sleep(200);
    }
  })();
  await sleep(o.beforeMs);
  t0 = Date.now();
  await cluster.restartImmediate(); // MX and webapi load go on while the cluster restarts
  restartedAt = Date.now() - t0;
  await sleep(o.afterMs);
  const ackedForASecond = () => {
    const back = recoveredAt(seen, restartedAt);
    return back !== null && seen.some((r) => r.outcome === "acked" && r.atMs >= back + 1000);
  };
  while (!ackedForASecond() && Date.now() - t0 - restartedAt < o.maxAfterMs) await sleep(200);
  done = true;
  const replies = await mx;
  await apiLoop;
  return { replies, api, restartedAt };
}

/** The first attempt at or after `fromMs` from which every later attempt was acked (recovery point). */
export function recoveredAt(replies: Timed[], fromMs: number): number | null {
  const sorted = [...replies].sort((a, b) => a.atMs - b.atMs);
  let candidate: number | null = null;
  for (const r of sorted) {
    if (r.atMs < fromMs) continue;
    if (r.outcome === "acked") candidate ??= r.atMs + r.ms;
    else candidate = null;
  }
  return candidate;
}

/**
 * E7: holds an EXCLUSIVE lock on `messages` (inserts wait, reads pass) for `holdMs` while MX
 * mail arrives, then releases it. Returns the replies; the caller checks the ledger after
 * `settleMs` so a transaction that was answered 451 but commits late is caught.
 */
export async function heldLock(server: TortureServer, ledger: Ledger, databaseUrl: string, o: { holdMs: number; seed: number }) {
  const locker = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const holder = locker.begin(async (sql) => {
    await sql`lock table messages in exclusive mode`;
    locked();
    await released;
  });
  await isLocked;
  const t0 = Date.now();
  let done = false;
  const mx = steadyMx(server, ledger, { everyMs: 500, concurrency: 5, until: () => done, t0: () => t0, seed: o.seed, cycle: 1 });
  await sleep(Math.min(o.holdMs, 5000));
  done = true;
  const timer = sleep(o.holdMs - Math.min(o.holdMs, 5000)).then(() => release());
  const replies = await mx;
  await timer;
  await holder;
  await locker.end();
  return { replies, releasedAtMs: Date.now() - t0 };
}
