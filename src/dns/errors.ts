/**
 * Stable DNS failure codes. They are node:dns's own codes, because mailauth and other
 * consumers branch on `err.code` (`ENOTFOUND`/`ENODATA` mean "no such record", the rest
 * are temporary or unexpected failures).
 */
export const dnsErrorCodes = [
  "ENOTFOUND", // NXDOMAIN: the name does not exist
  "ENODATA", // the name exists but has no record of this type
  "ESERVFAIL",
  "ETIMEOUT",
  "EREFUSED",
  "EBADNAME",
  "ENOTIMP", // record type not supported by this resolver
  "EOTHER",
] as const;

/** One of {@link dnsErrorCodes}. */
export type DnsErrorCode = (typeof dnsErrorCodes)[number];

const known = new Set<string>(dnsErrorCodes);

/**
 * A failed DNS lookup. `code` is stable (see {@link dnsErrorCodes}); `cause` carries the
 * underlying node:dns error when there is one.
 */
export class DnsError extends Error {
  override readonly name = "DnsError";
  /** Stable failure code, in node:dns vocabulary. */
  readonly code: DnsErrorCode;
  /** The queried name, as given by the caller. */
  readonly query: string;
  /** The queried record type. */
  readonly rrtype: string;

  constructor(code: DnsErrorCode, query: string, rrtype: string, options?: { cause?: unknown }) {
    super(`resolving ${rrtype} ${query}: ${code}`, options);
    this.code = code;
    this.query = query;
    this.rrtype = rrtype;
  }

  /** True when the record definitely does not exist (NXDOMAIN or no data); false for failures. */
  get notFound(): boolean {
    return this.code === "ENOTFOUND" || this.code === "ENODATA";
  }

  /** True when retrying later may succeed (timeouts, SERVFAIL, refusals, unknown errors). */
  get temporary(): boolean {
    return !this.notFound && this.code !== "EBADNAME" && this.code !== "ENOTIMP";
  }
}

/** Maps any error thrown by node:dns (or anything else) to a {@link DnsError}. */
export function toDnsError(err: unknown, query: string, rrtype: string): DnsError {
  if (err instanceof DnsError) return err;
  const raw = (err as { code?: unknown } | null)?.code;
  let code: DnsErrorCode = "EOTHER";
  if (typeof raw === "string") {
    if (known.has(raw)) code = raw as DnsErrorCode;
    else if (raw === "ECONNREFUSED") code = "EREFUSED";
    else if (raw === "EFORMERR" || raw === "EBADQUERY" || raw === "EBADFAMILY") code = "EBADNAME";
  }
  return new DnsError(code, query, rrtype, { cause: err });
}

/** True when `err` says the record does not exist (as opposed to a lookup failure). */
export function isDnsNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ENOTFOUND" || code === "ENODATA";
}
