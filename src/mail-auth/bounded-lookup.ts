import { BlockList, isIP } from "node:net";
import { createStaticResolver, DnsError, type DnsAnswer, type Resolver, type StaticRecords } from "../dns/index.js";
import type { TxtRecord } from "./dkim-key.js";
import { tryAsciiDomain } from "./names.js";

/** The resolver shape mailauth calls: a plain function, answers as node:dns gives them. */
export type LookupFn = (name: string, rrtype: string) => Promise<DnsAnswer>;

/** Limits for one verification's DNS traffic. */
export interface LookupBounds {
  /** Each lookup fails with ETIMEOUT after this long. */
  perLookupMs: number;
  /** Epoch ms after which every lookup fails at once, so the verification winds down. */
  deadline: number;
  /** Lookups allowed in total; more fail with EREFUSED (a message can carry many signatures). */
  maxLookups: number;
}

/**
 * Wraps a Resolver into the function mailauth expects, bounding each lookup in time, the
 * whole verification by a deadline and the number of lookups by a budget. Past the
 * deadline, lookups fail immediately, so mailauth completes with temperrors for what is
 * left instead of hanging on a slow or hostile DNS.
 */
export function boundedLookup(resolver: Resolver, bounds: LookupBounds): LookupFn {
  let count = 0;
  return (name, rrtype) => {
    const remaining = bounds.deadline - Date.now();
    if (remaining <= 0) return Promise.reject(new DnsError("ETIMEOUT", name, rrtype));
    if (++count > bounds.maxLookups) return Promise.reject(new DnsError("EREFUSED", name, rrtype));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DnsError("ETIMEOUT", name, rrtype)), Math.min(bounds.perLookupMs, remaining));
    });
    let answer: Promise<DnsAnswer>;
    try {
      answer = resolver.resolve(name, rrtype);
    } catch (err) {
      answer = Promise.reject(err); // a resolver that throws synchronously still must not escape
    }
    return Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
  };
}

/** The SPF record served for trusted domains on loopback (as mox localserve does). */
export const LOOPBACK_SPF = "v=spf1 ip4:127.0.0.0/8 ip6:::1 ~all";

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && loopback.check(ip, family === 4 ? "ipv4" : "ipv6");
}

// BlockList also matches IPv4-mapped IPv6 addresses against the IPv4 rule.
const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/**
 * The loopback-trust policy: for a connection from loopback, answers SPF for each trusted
 * domain with {@link LOOPBACK_SPF} and DKIM selector lookups from `dkimRecords` (our own
 * keys), asking `resolver` for everything else. Other connections get `resolver` as is.
 */
export function loopbackTrustResolver(
  resolver: Resolver,
  ip: string,
  trustedDomains: readonly string[] | undefined,
  dkimRecords: readonly TxtRecord[] | undefined,
): Resolver {
  if (!trustedDomains?.length || !isLoopback(ip)) return resolver;
  const records: StaticRecords = {};
  const trusted = new Set<string>();
  for (const d of trustedDomains) {
    const ascii = tryAsciiDomain(d);
    if (!ascii) continue;
    trusted.add(ascii);
    // Only TXT is scripted; the apex's other types are not consulted by SPF with this record.
    records[ascii] = { TXT: [LOOPBACK_SPF] };
  }
  for (const r of dkimRecords ?? []) {
    // Serve only keys of trusted domains: `<sel>._domainkey.<trusted domain>`.
    const domain = r.name.toLowerCase().split("._domainkey.")[1];
    if (domain && trusted.has(domain)) records[r.name.toLowerCase()] = { TXT: [r.value] };
  }
  return createStaticResolver(records, { fallback: resolver });
}
