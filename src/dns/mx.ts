import { domainToASCII } from "node:url";
import { DnsError } from "./errors.js";
import { normalizeDnsName, type Resolver } from "./resolver.js";

/** One mail exchanger to try, in order. */
export interface MxHost {
  host: string;
  priority: number;
}

/**
 * Where mail for a domain goes:
 * - `mx`: explicit MX hosts, best preference first;
 * - `implicit`: no MX records, so the domain itself is the host (RFC 5321 §5.1);
 * - `null-mx`: the domain accepts no mail (RFC 7505), fail permanently;
 * - `nxdomain`: the domain does not exist, fail permanently.
 * Lookup failures (SERVFAIL, timeout) are not results: they reject with a temporary DnsError.
 */
export type MxLookup =
  | { kind: "mx"; hosts: MxHost[] }
  | { kind: "implicit"; hosts: [MxHost] }
  | { kind: "null-mx"; hosts: [] }
  | { kind: "nxdomain"; hosts: [] };

/** Options for {@link lookupMx}. */
export interface LookupMxOptions {
  /**
   * Source of randomness for ordering hosts of equal preference (RFC 5321 §5.1 says
   * SHOULD randomize). Default Math.random; pass `() => 0` for a stable order.
   */
  random?: () => number;
}

/**
 * Looks up the mail exchangers of `domain` (IDNs are converted to A-labels) and applies
 * RFC 5321 §5.1 (sort by preference, implicit MX) and RFC 7505 (null MX).
 */
export async function lookupMx(resolver: Resolver, domain: string, options: LookupMxOptions = {}): Promise<MxLookup> {
  const name = normalizeDnsName(domainToASCII(domain) || domain);
  let records;
  try {
    records = await resolver.resolveMx(name);
  } catch (err) {
    if (!(err instanceof DnsError) || !err.notFound) throw err;
    if (err.code === "ENOTFOUND") return { kind: "nxdomain", hosts: [] };
    // ENODATA: the name exists without MX; RFC 5321 §5.1 implicit MX, preference 0.
    return { kind: "implicit", hosts: [{ host: name, priority: 0 }] };
  }

  const hosts = records.map((r) => ({ host: normalizeDnsName(r.exchange), priority: r.priority }));
  // RFC 7505 §3: a null MX is a single record with exchange "." (node:dns gives "").
  const real = hosts.filter((h) => h.host !== "");
  if (real.length === 0) return { kind: "null-mx", hosts: [] };
  // A null MX mixed with real ones is a misconfiguration (RFC 7505 §3 MUST NOT); the
  // usable hosts still tell us where mail can go, so drop the root entry and go on.
  return { kind: "mx", hosts: sortByPreference(real, options.random ?? Math.random) };
}

/** Sorts by preference, shuffling hosts of equal preference (RFC 5321 §5.1). */
function sortByPreference(hosts: MxHost[], random: () => number): MxHost[] {
  const keyed = hosts.map((h) => ({ h, r: random() }));
  keyed.sort((a, b) => a.h.priority - b.h.priority || a.r - b.r);
  return keyed.map((k) => k.h);
}
