import { isIP } from "node:net";
import { DnsError } from "./errors.js";

/** Record types the resolver answers. */
export const rrTypes = ["A", "AAAA", "MX", "TXT", "PTR"] as const;

/** One of {@link rrTypes}. */
export type RrType = (typeof rrTypes)[number];

/** An MX record as node:dns returns it; `exchange` is `""` for the root (null MX). */
export interface MxRecord {
  exchange: string;
  priority: number;
}

/** Answer shape per record type, the same shapes node:dns `resolve()` returns. */
export interface RecordsByType {
  A: string[];
  AAAA: string[];
  MX: MxRecord[];
  /** Each record is a list of character-strings; join them to get the record text. */
  TXT: string[][];
  PTR: string[];
}

/** Any answer of {@link RecordsByType}. */
export type DnsAnswer = RecordsByType[RrType];

/**
 * The DNS seam. Every lookup either resolves with a non-empty answer or rejects with a
 * `DnsError` whose `code` is `ENOTFOUND` (no such name), `ENODATA` (no record of that
 * type) or a failure code. `resolve(name, rrtype)` is the generic form mailauth calls
 * (bind it: mailauth invokes it as a plain function); the rest are conveniences.
 */
export interface Resolver {
  /** Generic lookup; rejects with `ENOTIMP` for a type outside {@link rrTypes}. */
  resolve<T extends RrType>(name: string, rrtype: T): Promise<RecordsByType[T]>;
  resolve(name: string, rrtype: string): Promise<DnsAnswer>;
  resolveTxt(name: string): Promise<string[][]>;
  resolveMx(name: string): Promise<MxRecord[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  /** PTR lookup for an IP address (the reverse name is built for you). */
  reverse(ip: string): Promise<string[]>;
}

/** The single function a resolver implementation provides; names arrive normalized. */
export type LookupFn = (name: string, rrtype: RrType) => Promise<DnsAnswer>;

/** Lowercases a DNS name and strips one trailing dot, so `Example.ORG.` equals `example.org`. */
export function normalizeDnsName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.endsWith(".") ? n.slice(0, -1) : n;
}

/**
 * The reverse-lookup name of an IP address (RFC 1035 §3.5 in-addr.arpa, RFC 3596 §2.5
 * ip6.arpa). IPv4-mapped IPv6 addresses are treated as IPv4. Throws `EBADNAME` for non-IPs.
 */
export function reverseName(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const addr = mapped?.[1] ?? ip;
  const family = isIP(addr);
  if (family === 4) return `${addr.split(".").reverse().join(".")}.in-addr.arpa`;
  if (family !== 6) throw new DnsError("EBADNAME", ip, "PTR");
  return `${expandIpv6(addr).split("").reverse().join(".")}.ip6.arpa`;
}

/** Expands an IPv6 address to its 32 hex digits (no colons). */
function expandIpv6(addr: string): string {
  let s = addr.toLowerCase();
  // An embedded dotted IPv4 tail becomes two hextets.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const b = v4.slice(1).map(Number) as [number, number, number, number];
    const tail = `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
    s = s.slice(0, v4.index) + tail;
  }
  const [head = "", rest] = s.split("::");
  const left = head ? head.split(":") : [];
  const right = rest ? rest.split(":") : [];
  const fill = rest === undefined ? [] : new Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].map((h) => h.padStart(4, "0")).join("");
}

/** Whether `rrtype` is one of {@link rrTypes}. */
export function isRrType(rrtype: string): rrtype is RrType {
  return (rrTypes as readonly string[]).includes(rrtype);
}

/**
 * Builds a full {@link Resolver} from one lookup function: normalizes names, rejects
 * unsupported types with `ENOTIMP`, and derives the convenience methods.
 */
export function resolverFromLookup(lookup: LookupFn): Resolver {
  const resolve = (name: string, rrtype: string): Promise<DnsAnswer> => {
    const type = rrtype.toUpperCase();
    if (!isRrType(type)) return Promise.reject(new DnsError("ENOTIMP", name, rrtype));
    if (typeof name !== "string" || name.length === 0 || name.length > 254) {
      return Promise.reject(new DnsError("EBADNAME", String(name), type));
    }
    return lookup(normalizeDnsName(name), type);
  };
  return {
    resolve: resolve as Resolver["resolve"],
    resolveTxt: (name) => resolve(name, "TXT") as Promise<string[][]>,
    resolveMx: (name) => resolve(name, "MX") as Promise<MxRecord[]>,
    resolve4: (name) => resolve(name, "A") as Promise<string[]>,
    resolve6: (name) => resolve(name, "AAAA") as Promise<string[]>,
    reverse: async (ip) => (await resolve(reverseName(ip), "PTR")) as string[],
  };
}
