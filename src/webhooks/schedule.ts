/**
 * When to retry a webhook (mox-compat §2.6): after failed attempt n (1-based) the next starts at
 * (start of attempt n) + RETRY_DELAYS_MS[n-1] ± 1 %, so 12 attempts over about 32 hours. A
 * receiver's `Retry-After` replaces the interval, clamped to [1 min, 16 h]. Pure functions: the
 * caller passes the attempt number, times and the random source.
 */

/** Wait after failed attempt 1..11: 1m, 2m, 4m, 7m30s, 15m, 30m, 1h, 2h, 4h, 8h, 16h. */
export const RETRY_DELAYS_MS: readonly number[] = [
  60_000, 120_000, 240_000, 450_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000,
  57_600_000,
];

/** Attempts before a webhook is retired as failed (the first attempt is immediate). */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** Bounds for honouring `Retry-After` (before time scaling). */
export const RETRY_AFTER_MIN_MS = 60_000;
/** Upper bound for honouring `Retry-After`, the longest regular interval (before time scaling). */
export const RETRY_AFTER_MAX_MS = 16 * 3_600_000;

/** Jitter of the regular schedule: ±1 %. */
export const JITTER_FRACTION = 0.01;

/** Options of {@link nextAttemptAt}. */
export interface NextAttemptOptions {
  /** Delay asked by the receiver's `Retry-After`, in ms (see {@link parseRetryAfter}). */
  readonly retryAfterMs?: number;
  /** When the failed attempt ended; a `Retry-After` delay counts from here. Default: `start`. */
  readonly finishedAt?: Date;
  /**
   * Divisor applied to every delay (the `--time-scale` flag): 60 turns 1 min into 1 s. Bounds
   * and jitter are applied first, in unscaled time. Default 1.
   */
  readonly timeScale?: number;
}

/**
 * The delay in ms between the start of failed attempt `attempt` and the next one, or null when
 * `attempt` was the last allowed ({@link MAX_ATTEMPTS}). `random` returns values in [0, 1).
 * With a Retry-After, the jitter is only upward (never earlier than asked) and the delay counts
 * from `start`; use {@link nextAttemptAt} to count it from the end of the attempt.
 */
export function retryDelayMs(
  attempt: number,
  random: () => number,
  options: Pick<NextAttemptOptions, "retryAfterMs" | "timeScale"> = {},
): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`retry delay: bad attempt ${attempt}`);
  const scale = options.timeScale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`retry delay: bad time scale ${scale}`);
  if (attempt >= MAX_ATTEMPTS) return null;
  let delay: number;
  if (options.retryAfterMs !== undefined && Number.isFinite(options.retryAfterMs)) {
    const asked = Math.min(Math.max(options.retryAfterMs, RETRY_AFTER_MIN_MS), RETRY_AFTER_MAX_MS);
    delay = asked * (1 + random() * JITTER_FRACTION);
  } else {
    const base = RETRY_DELAYS_MS[attempt - 1] ?? RETRY_AFTER_MAX_MS;
    delay = base * (1 + (2 * random() - 1) * JITTER_FRACTION);
  }
  return Math.round(delay / scale);
}

/**
 * When the attempt after failed attempt `attempt` (1-based), which started at `start`, is due;
 * null when no attempt is left and the webhook should be retired as failed.
 */
export function nextAttemptAt(
  attempt: number,
  start: Date,
  random: () => number,
  options: NextAttemptOptions = {},
): Date | null {
  const delay = retryDelayMs(attempt, random, options);
  if (delay === null) return null;
  const from = options.retryAfterMs !== undefined && options.finishedAt ? options.finishedAt : start;
  return new Date(from.getTime() + delay);
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
// RFC 9110 §5.6.7: IMF-fixdate, obsolete RFC 850 and asctime forms, all in GMT.
const IMF_FIXDATE = /^[a-z]{3}, (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const RFC850 = /^[a-z]+, (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const ASCTIME = /^[a-z]{3} ([a-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i;

function utc(year: number, month: string, day: string, h: string, m: string, s: string): number | undefined {
  const mon = MONTHS.indexOf(month.toLowerCase());
  if (mon < 0) return undefined;
  const t = new Date(0);
  t.setUTCFullYear(year, mon, Number(day.trim()));
  t.setUTCHours(Number(h), Number(m), Number(s), 0);
  return Number.isNaN(t.getTime()) ? undefined : t.getTime();
}

/** Parses an HTTP-date (any of the three RFC 9110 forms) to ms since the epoch. */
export function parseHttpDate(value: string, nowMs: number): number | undefined {
  const v = value.trim();
  let m = IMF_FIXDATE.exec(v);
  if (m) return utc(Number(m[3]), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  m = RFC850.exec(v);
  if (m) {
    // Two-digit year: pick the century that is not more than 50 years in the future (RFC 9110).
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + Number(m[3]);
    if (year > nowYear + 50) year -= 100;
    return utc(year, m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  }
  m = ASCTIME.exec(v);
  if (m) return utc(Number(m[6]), m[1]!, m[2]!, m[3]!, m[4]!, m[5]!);
  return undefined;
}

/**
 * Parses a `Retry-After` header (delta-seconds or HTTP-date) into a delay in ms from `nowMs`;
 * a date in the past gives 0. Undefined for an absent or unparsable value. Not clamped: the
 * schedule applies the bounds.
 */
export function parseRetryAfter(value: string | undefined | null, nowMs: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return Number.isFinite(seconds) ? seconds * 1000 : undefined;
  }
  const at = parseHttpDate(v, nowMs);
  return at === undefined ? undefined : Math.max(0, at - nowMs);
}
