/**
 * Concurrency of webhook delivery in one process, in two stages:
 * - the queue runner's KeyGate admits claimed jobs per URL up to a hold cap, and reports a URL
 *   as saturated once half the cap (at least `perUrl`) of its jobs are held, so further claims
 *   skip it; a claim takes at most what fits under the cap of the fullest URL it may return;
 * - a held job counts its attempt, then waits in `slot(url)` for one of the URL's `perUrl` POST
 *   slots (limiter.ts), held for the POST only.
 * Why not the plain limiter as the gate: a claim takes up to (free slots) due jobs in run_at
 * order, and with one busy URL nearly all of them would be refused by the gate and handed back
 * with one UPDATE each, on every completion. Holding extra jobs per URL makes that rare and keeps
 * the URL's POST slots busy while other jobs of it commit (their attempt, their result), and the
 * cap leaves `overall - cap` slots to other URLs, so a slow URL never holds them back.
 */
import type { KeyGate } from "../queue/index.js";
import { LimiterMisuseError } from "./errors.js";
import { createConcurrencyLimiter } from "./limiter.js";

/** The runner gate plus POST slots. */
export interface Admission extends KeyGate {
  /**
   * Waits for a POST slot of `key` (FIFO per key); call the returned function when done. Null
   * after {@link close}: the caller gives its job back instead of POSTing.
   */
  slot(key: string): Promise<(() => void) | null>;
  /** Stops handing out slots and answers every waiter with null (shutdown). */
  close(): void;
  /** POSTs in flight, for a key or overall. */
  posting(key?: string): number;
  /** Jobs held (admitted by the gate), for a key or overall. */
  held(key?: string): number;
}

/** The most claimed jobs one URL may hold: all but a reserve left for other URLs. */
export function holdCap(perUrl: number, overall: number): number {
  const reserve = Math.max(2 * perUrl, Math.floor(overall / 4));
  return Math.max(Math.min(perUrl, overall), overall - reserve);
}

/** Held jobs at which a URL counts as saturated (claims skip it until some finish). */
export function refillMark(perUrl: number, overall: number): number {
  const cap = holdCap(perUrl, overall);
  return Math.min(cap, Math.max(perUrl, Math.floor(cap / 2)));
}

/** Creates the admission for `perUrl` POSTs per URL and `overall` held jobs in total. */
export function createAdmission(o: { perUrl: number; overall: number }): Admission {
  const cap = holdCap(o.perUrl, o.overall);
  const mark = refillMark(o.perUrl, o.overall);
  const held = new Map<string, number>();
  let total = 0;
  const post = createConcurrencyLimiter({ perKey: o.perUrl, overall: o.overall });
  const waiters = new Map<string, ((grant: (() => void) | null) => void)[]>();
  let closed = false;

  post.onRelease((key) => {
    const q = waiters.get(key);
    if (!q?.length || !post.tryAcquire(key)) return;
    const next = q.shift()!;
    if (q.length === 0) waiters.delete(key);
    next(grant(key));
  });

  const grant = (key: string): (() => void) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      post.release(key);
    };
  };

  return {
    tryAcquire(key) {
      const n = held.get(key) ?? 0;
      if (n >= cap || total >= o.overall) return false;
      held.set(key, n + 1);
      total++;
      return true;
    },
    release(key) {
      const n = held.get(key) ?? 0;
      if (n === 0) throw new LimiterMisuseError(`webhook admission: release without acquire for ${key}`);
      if (n === 1) held.delete(key);
      else held.set(key, n - 1);
      total--;
    },
    saturatedKeys: () => [...held].filter(([, n]) => n >= mark).map(([k]) => k),
    claimLimit() {
      // Any unsaturated URL (or a new one) may fill the claim: it must fit under the cap.
      let fullest = 0;
      for (const n of held.values()) if (n < mark && n > fullest) fullest = n;
      return Math.max(0, Math.min(o.overall - total, cap - fullest));
    },
    slot(key) {
      if (closed) return Promise.resolve(null);
      if (!waiters.has(key) && post.tryAcquire(key)) return Promise.resolve(grant(key));
      return new Promise((resolve) => {
        const q = waiters.get(key) ?? [];
        q.push(resolve);
        waiters.set(key, q);
      });
    },
    close() {
      closed = true;
      for (const q of waiters.values()) for (const w of q) w(null);
      waiters.clear();
    },
    posting: (key) => post.inFlight(key),
    held: (key) => (key === undefined ? total : (held.get(key) ?? 0)),
  };
}
