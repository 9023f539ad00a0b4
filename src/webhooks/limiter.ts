/**
 * In-process concurrency gate for webhook POSTs: at most `perKey` in flight per URL and `overall`
 * in total. Acquisition never waits, so a slow URL only fills its own slots; the queue claim asks
 * {@link ConcurrencyLimiter.saturatedKeys} to skip URLs at capacity and claims at most
 * {@link ConcurrencyLimiter.available} jobs. Per process: with several processes on one database
 * the limits apply per process.
 */
import { LimiterMisuseError } from "./errors.js";

/** Default in-flight webhooks per URL (mox: 1). */
export const DEFAULT_PER_URL = 4;
/** Default in-flight webhooks per process (mox: 10). */
export const DEFAULT_OVERALL = 64;

/** Limits of {@link createConcurrencyLimiter}. */
export interface LimiterOptions {
  /** Slots per key (URL), default 4. */
  readonly perKey?: number;
  /** Slots in total, default 64. */
  readonly overall?: number;
}

/** A non-blocking gate; every successful `tryAcquire` must be paired with one `release`. */
export interface ConcurrencyLimiter {
  /** Takes a slot for `key` if both its own and the overall limit allow; false otherwise. */
  tryAcquire(key: string): boolean;
  /** Returns a slot taken by {@link tryAcquire}; throws LimiterMisuseError if none is held. */
  release(key: string): void;
  /** Keys whose own limit is reached, for a claim query to exclude. */
  saturatedKeys(): string[];
  /** Free overall slots: the most jobs worth claiming now. */
  available(): number;
  /** Slots in use for a key, or overall without a key. */
  inFlight(key?: string): number;
  /** Calls `listener` after every release (wake the claim loop); returns an unsubscribe function. */
  onRelease(listener: (key: string) => void): () => void;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`webhook limiter: ${name} must be a positive integer, got ${v}`);
  return v;
}

/** Creates a limiter with the given (or default) limits. */
export function createConcurrencyLimiter(options: LimiterOptions = {}): ConcurrencyLimiter {
  const perKey = positiveInt("perKey", options.perKey ?? DEFAULT_PER_URL);
  const overall = positiveInt("overall", options.overall ?? DEFAULT_OVERALL);
  const counts = new Map<string, number>();
  const listeners = new Set<(key: string) => void>();
  let total = 0;

  return {
    tryAcquire(key) {
      const n = counts.get(key) ?? 0;
      if (n >= perKey || total >= overall) return false;
      counts.set(key, n + 1);
      total++;
      return true;
    },
    release(key) {
      const n = counts.get(key) ?? 0;
      if (n === 0) throw new LimiterMisuseError(`webhook limiter: release without acquire for ${key}`);
      // Delete empty keys so the map only holds URLs with requests in flight.
      if (n === 1) counts.delete(key);
      else counts.set(key, n - 1);
      total--;
      for (const l of listeners) l(key);
    },
    saturatedKeys() {
      return [...counts].filter(([, n]) => n >= perKey).map(([k]) => k);
    },
    available() {
      return overall - total;
    },
    inFlight(key) {
      return key === undefined ? total : (counts.get(key) ?? 0);
    },
    onRelease(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
