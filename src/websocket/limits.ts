import type { Clock } from "../clock/index.js";
import { EventStreamError } from "./errors.js";

/** Limits of the event stream; every field has a default (see {@link defaultLimits}). */
export type EventStreamLimits = {
  /** Largest frame a client may send (it should send none); ws closes with 1009 beyond. */
  maxPayload: number;
  /** Socket buffer past which a live subscriber is closed with 1013. */
  maxBufferedBytes: number;
  /** Ping interval; a peer that did not answer the previous ping is dropped. */
  heartbeatMs: number;
  maxConnections: number;
  maxPerIp: number;
  maxPerAccount: number;
  /** Upgrade attempts per IP per minute (429 beyond). */
  handshakesPerIpPerMinute: number;
  /** Time allowed to authenticate an upgrade. */
  handshakeTimeoutMs: number;
  /** After close 1013/1001, time the peer gets to read the close frame before the socket is destroyed. */
  closeGraceMs: number;
  /** Events per log read. */
  pageSize: number;
  /** How long an account's reader outlives its last subscriber. */
  idleFeedMs: number;
  /** Poll interval of the horizon check that picks up events hidden behind older transactions. */
  settlePollMs: number;
};

/** Defaults sized for 10,000 idle subscribers on one process. */
export const defaultLimits: EventStreamLimits = {
  maxPayload: 64 * 1024,
  maxBufferedBytes: 2 * 1024 * 1024,
  heartbeatMs: 30_000,
  maxConnections: 20_000,
  maxPerIp: 1_000,
  maxPerAccount: 1_000,
  handshakesPerIpPerMinute: 600,
  handshakeTimeoutMs: 10_000,
  closeGraceMs: 5_000,
  pageSize: 200,
  idleFeedMs: 10_000,
  settlePollMs: 25,
};

/** Connection accounting: totals, per IP, per account, and the per-IP handshake rate. */
export type ConnectionLimits = {
  /** Takes an IP slot for a starting handshake. @throws EventStreamError when over a limit. */
  admit(ip: string): () => void;
  /** Takes an account slot once authenticated. @throws EventStreamError when over the limit. */
  admitAccount(accountId: number): () => void;
  readonly total: number;
};

/** Creates the accounting for one stream. */
export function createConnectionLimits(l: EventStreamLimits, clock: Clock): ConnectionLimits {
  const perIp = new Map<string, number>();
  const perAccount = new Map<number, number>();
  const rate = new Map<string, { start: number; count: number }>();
  let total = 0;
  const release = <K>(m: Map<K, number>, k: K) => {
    const n = (m.get(k) ?? 1) - 1;
    if (n > 0) m.set(k, n);
    else m.delete(k);
  };
  return {
    admit(ip) {
      const now = clock.now();
      let r = rate.get(ip);
      if (!r || now - r.start >= 60_000) {
        if (rate.size > 100_000) rate.clear(); // bound memory under a distributed flood
        rate.set(ip, (r = { start: now, count: 0 }));
      }
      if (++r.count > l.handshakesPerIpPerMinute) throw new EventStreamError("tooManyRequests", "too many connection attempts");
      if (total >= l.maxConnections) throw new EventStreamError("unavailable", "too many connections");
      if ((perIp.get(ip) ?? 0) >= l.maxPerIp) throw new EventStreamError("tooManyRequests", "too many connections from this address");
      total++;
      perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        total--;
        release(perIp, ip);
      };
    },
    admitAccount(accountId) {
      if ((perAccount.get(accountId) ?? 0) >= l.maxPerAccount) throw new EventStreamError("tooManyRequests", "too many connections for this account");
      perAccount.set(accountId, (perAccount.get(accountId) ?? 0) + 1);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        release(perAccount, accountId);
      };
    },
    get total() {
      return total;
    },
  };
}
