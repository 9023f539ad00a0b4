// Load shapes built on SmtpConn: open-loop fixed rate (latency workloads) and closed-loop bulk
// (throughput workloads). Every message carries a unique nonce so receivers can match it.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { SmtpConn, benchMessage, type SentMessage } from "./smtp-client.js";

/** A fresh nonce: run tag plus counter, safe in Subject and Message-ID. */
export function nonceMaker(): () => string {
  const tag = randomBytes(4).toString("hex");
  let i = 0;
  return () => `${tag}-${++i}`;
}

/** Result of a load run: per-message timings plus failures and the achieved send rate. */
export interface LoadResult {
  sent: SentMessage[];
  failed: number;
  firstError?: string;
  seconds: number;
  achievedRate: number;
  maxConns: number;
}

/**
 * Sends at `rate` msg/s for `seconds` (open loop: message i is due at i/rate). Uses idle pooled
 * connections and opens more (up to `maxConns`; servers limit connections per IP) when all are busy;
 * late messages go out at once.
 */
export async function fixedRate(port: number, rate: number, seconds: number, size = 2048,
  maxConns = 16, graceSeconds = 10): Promise<LoadResult> {
  const nonce = nonceMaker();
  const total = Math.max(1, Math.round(rate * seconds));
  const pool: SmtpConn[] = [];
  const res: LoadResult = { sent: [], failed: 0, seconds: 0, achievedRate: 0, maxConns: 0 };
  const inflight = new Set<Promise<void>>();
  const waiters: ((c: SmtpConn | undefined) => void)[] = [];
  let opening = 0;
  // A connection is handed straight to the oldest waiting message when it frees up (no polling).
  const giveBack = (c: SmtpConn): void => {
    if (c.isClosed) { // the server dropped it: replace it for whoever waits, or fail them
      pool.splice(pool.indexOf(c), 1);
      if (!waiters.length) return;
      SmtpConn.open(port).then((n) => { pool.push(n); giveBack(n); },
        (e: unknown) => { res.firstError ??= String(e); waiters.shift()?.(undefined); res.failed++; });
      return;
    }
    const w = waiters.shift();
    if (w) { c.busy = true; w(c); } else c.busy = false;
  };
  const getConn = async (): Promise<SmtpConn | undefined> => {
    const idle = pool.find((c) => !c.busy && !c.isClosed);
    if (idle) { idle.busy = true; return idle; }
    if (pool.length + opening < maxConns) {
      opening++;
      try { const c = await SmtpConn.open(port); c.busy = true; pool.push(c); return c; }
      catch (e) { res.failed++; res.firstError ??= String(e); return undefined; }
      finally { opening--; }
    }
    return new Promise((r) => waiters.push(r));
  };
  const one = async (): Promise<void> => {
    const c = await getConn();
    if (!c) return;
    const n = nonce();
    try {
      const s = await c.send(n, benchMessage(n, size));
      if (s.code === 250) res.sent.push(s);
      else { res.failed++; res.firstError ??= `reply ${s.code}`; }
    } catch (e) { res.failed++; res.firstError ??= String(e); }
    giveBack(c);
  };
  // Warm pool before the clock starts, so connection set-up is not part of the first samples.
  const warm = Math.min(maxConns, Math.max(2, Math.ceil(rate / 100)));
  for (const r of await Promise.allSettled(Array.from({ length: warm }, () => SmtpConn.open(port)))) {
    if (r.status === "fulfilled") pool.push(r.value); else { res.failed++; res.firstError ??= String(r.reason); }
  }
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const p = one().finally(() => inflight.delete(p));
    inflight.add(p);
  }
  // Bounded: a server slower than `rate` leaves a backlog; after `graceSeconds` the messages still
  // waiting for a connection are dropped (counted as failed), so a slow server cannot stall the run.
  if (await Promise.race([Promise.all(inflight).then(() => false), sleep(graceSeconds * 1000, true)])) {
    const dropped = waiters.length;
    for (const w of waiters.splice(0)) { res.failed++; w(undefined); }
    res.firstError ??= `server behind the schedule: ${dropped} messages not sent within ${graceSeconds} s`;
    await Promise.race([Promise.all(inflight), sleep(30_000)]);
  }
  res.seconds = (performance.now() - t0) / 1000;
  res.achievedRate = res.sent.length / res.seconds;
  res.maxConns = pool.length;
  for (const c of pool) c.close();
  return res;
}

/** Sends `count` messages as fast as `conns` reused connections allow (closed loop), for at most `maxSeconds`. */
export async function bulk(port: number, count: number, conns = 20, size = 2048, maxSeconds = 120): Promise<LoadResult> {
  const nonce = nonceMaker();
  const res: LoadResult = { sent: [], failed: 0, seconds: 0, achievedRate: 0, maxConns: conns };
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conns }, async () => {
    let c: SmtpConn | undefined;
    try { c = await SmtpConn.open(port); } catch (e) { res.failed++; res.firstError ??= String(e); return; }
    while (next < count && !c.isClosed && performance.now() - t0 < maxSeconds * 1000) {
      next++;
      const n = nonce();
      try {
        const s = await c.send(n, benchMessage(n, size));
        if (s.code === 250) res.sent.push(s); else { res.failed++; res.firstError ??= `reply ${s.code}`; }
      } catch (e) { res.failed++; res.firstError ??= String(e); }
    }
    c.close();
  }));
  res.seconds = (performance.now() - t0) / 1000;
  res.achievedRate = res.sent.length / res.seconds;
  return res;
}
