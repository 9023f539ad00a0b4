// Where to deliver a recipient domain: the injected target override, or the MX hosts from the
// injected resolver (RFC 5321 §5.1), each resolved to addresses through the same resolver so
// no lookup bypasses it.
import { isIP } from "node:net";
import { DnsError, lookupMx, type Resolver } from "../dns/index.js";
import type { Target } from "./types.js";

/** One address to connect to; `servername` is the MX host name (TLS SNI and verification). */
export type Hop = { address: string; port: number; servername: string; ca?: string };

/** Hosts to try in order, or why there are none (`permanent` ends delivery). */
export type Route = { hops: Hop[] } | { hops: []; permanent: boolean; error: string };

/** Resolves a domain to the hops to try. */
export async function route(
  domain: string,
  o: { resolver: Resolver; target?: (domain: string) => Promise<Target[] | null>; port?: number },
): Promise<Route> {
  try {
    const targets = o.target ? await o.target(domain) : null;
    if (targets) {
      // A target host that is a name (a smarthost) is resolved through the same resolver.
      const hops: Hop[] = [];
      for (const t of targets) {
        for (const address of await addresses(o.resolver, t.host)) hops.push({ address, port: t.port, servername: t.host, ...(t.ca ? { ca: t.ca } : {}) });
      }
      if (hops.length === 0) return { hops: [], permanent: false, error: `no addresses for the delivery target of ${domain}` };
      return { hops };
    }
    const mx = await lookupMx(o.resolver, domain);
    if (mx.kind === "nxdomain") return { hops: [], permanent: true, error: `domain ${domain} does not exist` };
    if (mx.kind === "null-mx") return { hops: [], permanent: true, error: `domain ${domain} accepts no mail (null mx)` };
    const hops: Hop[] = [];
    for (const h of mx.hosts) {
      for (const address of await addresses(o.resolver, h.host)) hops.push({ address, port: o.port ?? 25, servername: h.host });
    }
    if (hops.length === 0) return { hops: [], permanent: false, error: `no addresses for the mail hosts of ${domain}` };
    return { hops };
  } catch (err) {
    return { hops: [], permanent: false, error: `looking up mail hosts of ${domain}: ${(err as Error).message}` };
  }
}

/** IPv4 then IPv6 addresses of a host; a literal address is used as is. */
async function addresses(resolver: Resolver, host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  const out: string[] = [];
  for (const lookup of [resolver.resolve4, resolver.resolve6]) {
    try {
      out.push(...(await lookup(host)));
    } catch (err) {
      if (!(err instanceof DnsError) || !err.notFound) throw err;
      // no records of this family: try the other
    }
  }
  return out;
}

/**
 * The target of `delivery.smarthost` ("host:port", "[ipv6]:port"): every domain goes there,
 * except the domains hosted here (`hosted`), which never leave: they go to `self` (this
 * server's own MX listener), or to their MX as without a smarthost when there is none.
 */
export function smarthostTarget(
  spec: string,
  o: { hosted?: (domain: string) => Promise<boolean>; self?: () => Target | null } = {},
): (domain: string) => Promise<Target[] | null> {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(spec);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new Error(`smarthost ${JSON.stringify(spec)} is not host:port`);
  const target = [{ host: m[1] ?? m[2]!, port }];
  return async (domain) => {
    if (o.hosted && (await o.hosted(domain))) {
      const self = o.self?.() ?? null;
      return self ? [self] : null;
    }
    return target;
  };
}
