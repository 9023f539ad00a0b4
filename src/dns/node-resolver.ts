import { Resolver as NodeDnsResolver } from "node:dns/promises";
import { DnsError, toDnsError } from "./errors.js";
import { resolverFromLookup, type DnsAnswer, type Resolver, type RrType } from "./resolver.js";

/** Options for {@link createNodeResolver}. */
export interface NodeResolverOptions {
  /**
   * Upper bound for one lookup, retries included. The lookup rejects with `ETIMEOUT` once
   * it passes, whatever c-ares is still doing. Default 5000 ms.
   */
  timeoutMs?: number;
  /** Attempts per name server (c-ares `tries`). Default 2. */
  tries?: number;
  /** Name servers (`"127.0.0.1"`, `"[::1]:5353"`, `"127.0.0.1:5353"`); default: the system's. */
  servers?: string[];
}

/**
 * A {@link Resolver} on node:dns/promises (c-ares, not getaddrinfo, so lookups never queue
 * behind libuv's thread pool). Each lookup is bounded by `timeoutMs`.
 */
export function createNodeResolver(options: NodeResolverOptions = {}): Resolver {
  const timeoutMs = options.timeoutMs ?? 5000;
  const tries = options.tries ?? 2;
  // c-ares doubles the per-try timeout on each retry; split the budget so the whole
  // sequence fits (t + 2t + 4t ... ≈ t·(2^tries − 1)).
  const perTry = Math.max(50, Math.floor(timeoutMs / (2 ** tries - 1)));
  const dns = new NodeDnsResolver({ timeout: perTry, tries });
  if (options.servers) dns.setServers(options.servers);

  const query = (name: string, rrtype: RrType): Promise<DnsAnswer> => {
    switch (rrtype) {
      case "A":
        return dns.resolve4(name);
      case "AAAA":
        return dns.resolve6(name);
      case "MX":
        return dns.resolveMx(name);
      case "TXT":
        return dns.resolveTxt(name);
      case "PTR":
        return dns.resolvePtr(name);
    }
  };

  const lookup = async (name: string, rrtype: RrType): Promise<DnsAnswer> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DnsError("ETIMEOUT", name, rrtype)), timeoutMs);
    });
    try {
      const answer = await Promise.race([query(name, rrtype), deadline]);
      // c-ares answers an existing name without records of the type with ENODATA, but
      // guard against an empty list anyway so the Resolver contract holds.
      if (answer.length === 0) throw new DnsError("ENODATA", name, rrtype);
      return answer;
    } catch (err) {
      throw toDnsError(err, name, rrtype);
    } finally {
      clearTimeout(timer);
    }
  };

  return resolverFromLookup(lookup);
}
