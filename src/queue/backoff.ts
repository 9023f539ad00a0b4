/**
 * Retry waits, computed in one place for every job kind. Pure: the caller passes the attempt
 * number, a random source and the time scale (localserve --time-scale divides every wait).
 */
export type Schedule = readonly number[];

const m = 60_000;
const h = 60 * m;

/** Outgoing delivery (mox queue): waits after attempts 1..7; 8 attempts in all. */
export const deliverySchedule: Schedule = [7.5 * m, 15 * m, 30 * m, h, 2 * h, 4 * h, 8 * h];

/** Webhooks (mox hooks): waits after attempts 1..11; 12 attempts in all. */
export const webhookSchedule: Schedule = [m, 2 * m, 4 * m, 7.5 * m, 15 * m, 30 * m, h, 2 * h, 4 * h, 8 * h, 16 * h];

/** Number of attempts a schedule allows. */
export function maxAttempts(s: Schedule): number {
  return s.length + 1;
}

/**
 * Wait after failed attempt `attempt` (1-based), or null when it was the last one.
 * `jitter` is a fraction (0.01 = ±1%); `random` returns [0,1).
 * `minMs` lets a server's Retry-After lengthen the wait within the schedule's bounds.
 */
export function retryDelay(
  s: Schedule,
  attempt: number,
  o: { jitter?: number; random?: () => number; timeScale?: number; minMs?: number } = {},
): number | null {
  const base = s[attempt - 1];
  if (base === undefined) return null;
  const last = s[s.length - 1]!;
  const wanted = o.minMs !== undefined ? Math.min(Math.max(base, o.minMs), last) : base;
  const j = o.jitter ?? 0;
  const r = o.random ?? Math.random;
  const jittered = wanted * (1 + j * (2 * r() - 1));
  return jittered / (o.timeScale ?? 1);
}
