/**
 * When to retry a webhook (docs/contract.md §2.6). The waits themselves come from the queue's one
 * backoff function (`retryDelay(webhookSchedule, ...)` in queue/backoff.ts: 1m … 16h, ±1 %,
 * 12 attempts, divided by the time scale); this file adds what is webhook-specific: counting
 * from the start of the failed attempt, and a receiver's `Retry-After`, which can lengthen a
 * wait up to the schedule's longest (16 h) but never shorten it, so a receiver cannot burn
 * through the 12 attempts. Pure functions.
 */
import { maxAttempts, retryDelay, webhookSchedule } from "../queue/index.js";

/** Attempts before a webhook is retired as failed (the first attempt is immediate). */
export const MAX_ATTEMPTS = maxAttempts(webhookSchedule);

/** Jitter of the schedule: ±1 %. */
export const JITTER_FRACTION = 0.01;

/** Inputs of {@link nextAttemptAt}. */
export interface NextAttemptOptions {
  /** Delay asked by the receiver's `Retry-After`, in ms (see {@link parseRetryAfter}). */
  readonly retryAfterMs?: number;
  /** When the failed attempt ended (ms); a `Retry-After` delay counts from here. */
  readonly finishedAt?: number;
  /** Divisor applied to every wait (`--time-scale`). Default 1. */
  readonly timeScale?: number;
  /** Random source in [0, 1) for the jitter; default Math.random. */
  readonly random?: () => number;
}

/**
 * When the attempt after failed attempt `attempt` (1-based), which started at `start` (ms), is
 * due; null when it was the last one and the webhook is retired as failed.
 */
export function nextAttemptAt(attempt: number, start: number, o: NextAttemptOptions = {}): number | null {
  const wait = retryDelay(webhookSchedule, attempt, {
    jitter: JITTER_FRACTION,
    random: o.random,
    timeScale: o.timeScale,
    minMs: o.retryAfterMs,
  });
  if (wait === null) return null;
  const from = o.retryAfterMs !== undefined && o.finishedAt !== undefined ? o.finishedAt : start;
  return Math.round(from + wait);
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
