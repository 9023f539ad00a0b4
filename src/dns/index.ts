// dns: the DNS seam. Owns the `Resolver` interface, its node:dns implementation (every
// lookup bounded in time), a static fake for tests and localserve, and MX resolution
// (RFC 5321 §5.1 implicit MX, RFC 7505 null MX). Knows nothing of SPF/DKIM (mail-auth/)
// or of sending (delivery/). Invariant: a lookup resolves with a non-empty answer or
// rejects with a DnsError whose `code` is ENOTFOUND/ENODATA (absent) or a failure code.

export { DnsError, dnsErrorCodes, isDnsNotFound, type DnsErrorCode } from "./errors.js";
export {
  normalizeDnsName,
  reverseName,
  rrTypes,
  type DnsAnswer,
  type MxRecord,
  type RecordsByType,
  type Resolver,
  type RrType,
} from "./resolver.js";
export { createNodeResolver, type NodeResolverOptions } from "./node-resolver.js";
export {
  createStaticResolver,
  type DnsFailure,
  type StaticRecords,
  type StaticRecordSet,
  type StaticResolver,
  type StaticResolverOptions,
} from "./static-resolver.js";
export { lookupMx, type LookupMxOptions, type MxHost, type MxLookup } from "./mx.js";
