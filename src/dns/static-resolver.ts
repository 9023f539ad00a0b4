import { setTimeout as delay } from "node:timers/promises";
import { DnsError, type DnsErrorCode } from "./errors.js";
import {
  normalizeDnsName,
  resolverFromLookup,
  type DnsAnswer,
  type MxRecord,
  type Resolver,
  type RrType,
} from "./resolver.js";

/**
 * A scripted failure. `servfail`, `refused`, `nxdomain` and `timeout` reject with the
 * matching node:dns code (`timeout` after {@link StaticResolverOptions.timeoutMs});
 * `hang` never settles, to prove that callers bound their own waiting.
 */
export type DnsFailure = "servfail" | "timeout" | "refused" | "nxdomain" | "hang";

/** The records of one name. TXT records may be given whole or as character-strings. */
export interface StaticRecordSet {
  A?: string[];
  AAAA?: string[];
  MX?: MxRecord[];
  TXT?: Array<string | string[]>;
  /** PTR targets; key the entry by the reverse name (see `reverseName`). */
  PTR?: string[];
  /** Fail every lookup of this name, or only lookups of the listed types. */
  fail?: DnsFailure | Partial<Record<RrType, DnsFailure>>;
}

/** Records keyed by DNS name (case-insensitive, trailing dot optional). */
export type StaticRecords = Record<string, StaticRecordSet>;

/** Options for {@link createStaticResolver}. */
export interface StaticResolverOptions {
  /** Names absent from `records` are asked here instead of answering ENOTFOUND. */
  fallback?: Resolver;
  /** Delay before a scripted `timeout` rejects. Default 0. */
  timeoutMs?: number;
}

/** A {@link Resolver} answering from a plain object, with a log of the queries it saw. */
export interface StaticResolver extends Resolver {
  /** Every query in arrival order, names normalized. Tests may inspect or clear it. */
  readonly queries: Array<{ name: string; rrtype: RrType }>;
}

const failureCodes: Record<Exclude<DnsFailure, "hang">, DnsErrorCode> = {
  servfail: "ESERVFAIL",
  timeout: "ETIMEOUT",
  refused: "EREFUSED",
  nxdomain: "ENOTFOUND",
};

/**
 * A fake DNS for tests and localserve. `records` is read on every lookup (not copied), so
 * a caller may add names later. Missing name → `ENOTFOUND`; name without that type →
 * `ENODATA`; scripted failures per name and type via `fail`.
 */
export function createStaticResolver(records: StaticRecords, options: StaticResolverOptions = {}): StaticResolver {
  const queries: Array<{ name: string; rrtype: RrType }> = [];

  const find = (name: string): StaticRecordSet | undefined => {
    if (Object.hasOwn(records, name)) return records[name];
    for (const key of Object.keys(records)) if (normalizeDnsName(key) === name) return records[key];
    return undefined;
  };

  const lookup = async (name: string, rrtype: RrType): Promise<DnsAnswer> => {
    queries.push({ name, rrtype });
    const set = find(name);
    if (!set) {
      if (options.fallback) return options.fallback.resolve(name, rrtype);
      throw new DnsError("ENOTFOUND", name, rrtype);
    }
    const failure = typeof set.fail === "string" ? set.fail : set.fail?.[rrtype];
    if (failure === "hang") return new Promise<never>(() => {});
    if (failure) {
      if (failure === "timeout" && options.timeoutMs) await delay(options.timeoutMs);
      throw new DnsError(failureCodes[failure], name, rrtype);
    }
    const answer = answerOf(set, rrtype);
    if (!answer || answer.length === 0) throw new DnsError("ENODATA", name, rrtype);
    return answer;
  };

  return Object.assign(resolverFromLookup(lookup), { queries });
}

/** Copies the answer out of a record set, so callers cannot mutate the fixture. */
function answerOf(set: StaticRecordSet, rrtype: RrType): DnsAnswer | undefined {
  switch (rrtype) {
    case "TXT":
      return set.TXT?.map((r) => (typeof r === "string" ? [r] : [...r]));
    case "MX":
      return set.MX?.map((r) => ({ ...r }));
    default:
      return set[rrtype] && [...set[rrtype]];
  }
}
