import { isIPv6 } from "node:net";
import type { Clock } from "../clock/index.js";

/**
 * Failed-authentication limiter shared by SMTP AUTH and the webapi. Per IP as mox does it:
 * counted at three prefix widths (IPv4 /32,/26,/21; IPv6 /64,/48,/32), the wider ones allowing
 * 3× and 9× the limits of the narrowest (by default 10/30/90 a minute and 50/150/450 a day).
 * Per account as well, so a guessing attack spread over many addresses is stopped too: the key
 * is the account when the login names one, else the name the client used (see {@link accountKey}),
 * so unknown users are counted and answered exactly like known ones. A successful login resets
 * only the client's own counter (its exact IP), never the account's or a shared prefix's.
 *
 * An account over its limit is not locked for its owner: a client on a network from which the
 * account logged in successfully before (IPv4 /24, IPv6 /64, remembered by this process) still
 * gets its password checked, within its own per-IP limits. Everyone else is answered 429
 * without a check until the account's window passes. Trade-off: an attacker on such a network
 * keeps guessing at the per-IP rate; the account limit cannot stop the owner, only strangers.
 */
export type AuthLimiter = {
  /** False when the client or the account is over a limit (answer 429 / 421 before checking the password). */
  allowed(ip: string, account?: string): boolean;
  failed(ip: string, account?: string): void;
  succeeded(ip: string, account?: string): void;
  /** Failures in the current minute of this exact IP, or of the account when larger (for growing SMTP delays). */
  recentFailures(ip: string, account?: string): number;
};

/** Limits of the failed-auth limiter (config `authLimits`). */
export type AuthLimits = {
  /** Failures per minute and per day from one IP (IPv4 /32, IPv6 /64); wider prefixes get 3× and 9×. */
  ipPerMinute: number;
  ipPerDay: number;
  /** Failures per minute and per day against one account (from any IP). */
  accountPerMinute: number;
  accountPerDay: number;
};

export const defaultAuthLimits: AuthLimits = { ipPerMinute: 10, ipPerDay: 50, accountPerMinute: 30, accountPerDay: 300 };

/** Keeps the limiter's memory bounded under a distributed attack. */
const maxKeys = 100_000;
/** Networks remembered per account (the most recent ones). */
const maxNetworksPerAccount = 16;

/**
 * The limiter key of a login: the account's id when the login belongs to one, else the name as
 * used (lowercased). A known user's addresses and catchall variants share one counter.
 */
export function accountKey(login: string, accountId: number | null | undefined): string {
  return accountId != null ? `account:${accountId}` : `login:${login.trim().toLowerCase().slice(0, 320)}`;
}

export function createAuthLimiter(clock: Clock, limits: Partial<AuthLimits> = {}): AuthLimiter {
  const l = { ...defaultAuthLimits, ...limits };
  const ipLimits = [1, 3, 9].map((f) => ({ minute: l.ipPerMinute * f, day: l.ipPerDay * f }));
  const accountLimit = { minute: l.accountPerMinute, day: l.accountPerDay };
  const counts = new Map<string, { minute: number; minuteStart: number; day: number; dayStart: number }>();
  function get(k: string) {
    const now = clock.now();
    let c = counts.get(k);
    if (!c) counts.set(k, (c = { minute: 0, minuteStart: now, day: 0, dayStart: now }));
    if (now - c.minuteStart >= 60_000) Object.assign(c, { minute: 0, minuteStart: now });
    if (now - c.dayStart >= 86_400_000) Object.assign(c, { day: 0, dayStart: now });
    return c;
  }
  const under = (k: string, lim: { minute: number; day: number }) => {
    const c = counts.get(k);
    if (!c) return true; // never failed: nothing to count (and no entry made for it)
    const g = get(k);
    return g.minute < lim.minute && g.day < lim.day;
  };
  const ipKeyed = (ip: string) => prefixes(ip).map((k, i) => [k, ipLimits[i]!] as const);
  const keyed = (ip: string, account?: string) => [...ipKeyed(ip), ...(account ? [[`a/${account}`, accountLimit] as const] : [])];
  // Per account: the networks it logged in from successfully, most recent last.
  const known = new Map<string, string[]>();
  const isKnown = (ip: string, account: string) => known.get(account)?.includes(networkOf(ip)) ?? false;
  return {
    allowed(ip, account) {
      if (!ipKeyed(ip).every(([k, lim]) => under(k, lim))) return false;
      return !account || under(`a/${account}`, accountLimit) || isKnown(ip, account);
    },
    failed(ip, account) {
      if (counts.size > maxKeys) counts.clear();
      for (const [k] of keyed(ip, account)) {
        const c = get(k);
        c.minute++;
        c.day++;
      }
    },
    succeeded(ip, account) {
      counts.delete(prefixes(ip)[0]!);
      if (!account) return;
      if (known.size > maxKeys) known.clear();
      const net = networkOf(ip);
      const nets = (known.get(account) ?? []).filter((n) => n !== net);
      nets.push(net);
      known.set(account, nets.slice(-maxNetworksPerAccount));
    },
    recentFailures(ip, account) {
      const own = counts.has(prefixes(ip)[0]!) ? get(prefixes(ip)[0]!).minute : 0;
      const acc = account && counts.has(`a/${account}`) ? get(`a/${account}`).minute : 0;
      return Math.max(own, acc);
    },
  };
}

/** The network a login came from: IPv4 /24, IPv6 /64. */
function networkOf(ip: string): string {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  if (!isIPv6(v4)) return `4/${v4.split(".").slice(0, 3).join(".")}`;
  return `6/${expand6(ip).slice(0, 4).join(":")}`;
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
