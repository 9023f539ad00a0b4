import { isIPv6 } from "node:net";
import type { Clock } from "../clock/index.js";

/**
 * Failed-authentication limiter shared by SMTP AUTH and the webapi, as mox does it: counted per
 * IP at three prefix widths (IPv4 /32,/26,/21; IPv6 /64,/48,/32) with per-minute limits 10/30/90
 * and per-day limits 50/150/450. A successful login resets the client's own counters.
 */
export type AuthLimiter = {
  /** False when the client is over a limit (answer 429 / 421 before checking the password). */
  allowed(ip: string): boolean;
  failed(ip: string): void;
  succeeded(ip: string): void;
  /** Failures counted for this exact IP in the current minute (for growing SMTP delays). */
  recentFailures(ip: string): number;
};

const minuteLimits = [10, 30, 90];
const dayLimits = [50, 150, 450];

export function createAuthLimiter(clock: Clock, scale = 1): AuthLimiter {
  const counts = new Map<string, { minute: number; minuteStart: number; day: number; dayStart: number }>();
  const keys = (ip: string) => prefixes(ip);
  function get(k: string) {
    const now = clock.now();
    let c = counts.get(k);
    if (!c) counts.set(k, (c = { minute: 0, minuteStart: now, day: 0, dayStart: now }));
    if (now - c.minuteStart >= 60_000) Object.assign(c, { minute: 0, minuteStart: now });
    if (now - c.dayStart >= 86_400_000) Object.assign(c, { day: 0, dayStart: now });
    return c;
  }
  return {
    allowed(ip) {
      return keys(ip).every((k, i) => {
        const c = get(k);
        return c.minute < minuteLimits[i]! * scale && c.day < dayLimits[i]! * scale;
      });
    },
    failed(ip) {
      for (const k of keys(ip)) {
        const c = get(k);
        c.minute++;
        c.day++;
      }
      if (counts.size > 100_000) counts.clear(); // bound memory under a distributed attack
    },
    succeeded(ip) {
      counts.delete(keys(ip)[0]!);
    },
    recentFailures(ip) {
      return get(keys(ip)[0]!).minute;
    },
  };
}

function prefixes(ip: string): string[] {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  if (!isIPv6(v4)) {
    const n = v4.split(".").reduce((a, o) => (a << 8) + (Number(o) & 255), 0) >>> 0;
    return [32, 26, 21].map((bits) => `4/${bits}/${(n >>> (32 - bits)) << (32 - bits)}`);
  }
  const groups = expand6(ip);
  return [4, 3, 2].map((g) => `6/${g * 16}/${groups.slice(0, g).join(":")}`);
}

function expand6(ip: string): string[] {
  const [head, tail] = ip.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  return [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t].map((x) => x.toLowerCase());
}
