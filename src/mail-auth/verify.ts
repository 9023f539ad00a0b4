import { isIP } from "node:net";
import type { AuthenticateResult, DNSResolver, SPFResult } from "mailauth";
import type { Logger } from "pino";
import type { Resolver } from "../dns/index.js";
import { msgFromAlignment, type MsgFromValidation } from "./alignment.js";
import {
  formatAuthenticationResults,
  formatReceivedSpf,
  normalizeResult,
  authservId,
  type AuthResultValue,
} from "./auth-results.js";
import { boundedLookup, loopbackTrustResolver } from "./bounded-lookup.js";
import type { TxtRecord } from "./dkim-key.js";
import { addressDomain, asciiAddress, tryAsciiDomain, unicodeDomain } from "./names.js";

/** What the SMTP session knows about an incoming message. */
export interface VerifyIncomingInput {
  /** The message as received (headers and body, CRLF line ends). */
  raw: Buffer;
  /** Remote IP address of the SMTP client. */
  ip: string;
  /** The EHLO/HELO argument (a domain, or an address literal). */
  helo: string;
  /** MAIL FROM address; `""` for the null reverse-path `<>`. */
  mailFrom: string;
  resolver: Resolver;
  /** Our hostname, used as authserv-id in Authentication-Results. */
  hostname: string;
  /**
   * Loopback-trust policy (mox localserve): for connections from loopback, SPF of these
   * domains passes, and DKIM selectors of these domains are answered from
   * `trustedDkimRecords` (our own keys) instead of DNS. Empty or absent: no trust.
   */
  trustedDomainsFromLoopback?: readonly string[];
  /** DKIM TXT records (from `dkimTxtRecord`) served under the loopback-trust policy. */
  trustedDkimRecords?: readonly TxtRecord[];
  /** Bound for the whole verification. Default 20 000 ms. */
  timeoutMs?: number;
  /** Bound for each DNS lookup. Default 5000 ms. */
  dnsTimeoutMs?: number;
  /** Bound for the number of DNS lookups. Default 60. */
  maxDnsLookups?: number;
  log?: Logger;
}

/** One DKIM signature's outcome. */
export interface DkimSignatureResult {
  /** Signing domain (d=), lowercase A-label. */
  domain: string;
  selector: string;
  result: AuthResultValue;
  /** Why it did not pass, as mailauth words it (e.g. "body hash did not verify"). */
  comment?: string;
}

/** The outcome of {@link verifyIncoming}. Any result other than `pass` counts as unverified. */
export interface IncomingVerification {
  /** `Authentication-Results:` field with our authserv-id, CRLF-terminated; prepend it. */
  authenticationResults: string;
  /** `Received-SPF:` field for the MAIL FROM identity, CRLF-terminated; prepend it too. */
  receivedSpf?: string;
  /** SPF for MAIL FROM (for `<>`: for postmaster@HELO, RFC 7208 §2.4). */
  spf: AuthResultValue;
  /** SPF for the HELO identity, when MAIL FROM was not empty and HELO is a domain. */
  spfHelo?: AuthResultValue;
  dkim: DkimSignatureResult[];
  /** DMARC for the From domain; `none` without a record or without a single From address. */
  dmarc: AuthResultValue;
  /** The published DMARC policy, when a record was found. */
  dmarcPolicy?: string;
  /** From header domain (lowercase A-label) when the message has exactly one From address. */
  fromDomain?: string;
  /** mox `MailFromValidated`: SPF pass for a non-empty MAIL FROM domain. */
  mailFromValidated: boolean;
  /** mox `MsgFromValidated`: From domain aligned with passing DKIM/SPF (strict, relaxed or DMARC). */
  msgFromValidated: boolean;
  /** mox `MsgFromValidation`. */
  msgFromValidation: MsgFromValidation;
  /** mox `DKIMVerifiedDomains`: domains with a passing signature, unicode, deduplicated, in order. */
  dkimVerifiedDomains: string[];
  /** Set when verification could not run to completion (bad input, timeout, bug). */
  error?: string;
}

// mailauth (with its DNS, PSL and crypto helpers) takes ~0.4 s to load: a server that is sent
// no mail never loads it, and the first message waits for it once.
let mailauth: Promise<typeof import("mailauth")> | undefined;
const loadMailauth = () => (mailauth ??= import("mailauth"));

/**
 * Verifies SPF (MAIL FROM and HELO), every DKIM signature and DMARC of an incoming
 * message with mailauth, and derives mox's Meta fields. Bounded in time by `timeoutMs`
 * and per-lookup DNS timeouts; never throws: on failure everything is unverified and
 * `error` says why.
 */
export async function verifyIncoming(input: VerifyIncomingInput): Promise<IncomingVerification> {
  const timeoutMs = input.timeoutMs ?? 20_000;
  try {
    await loadMailauth(); // before the clock starts: loading is not the message's time
  } catch (err) {
    input.log?.warn({ err }, "message verification failed");
    return unverified(input.hostname, "verification failed");
  }
  let timer: NodeJS.Timeout | undefined;
  // Lookups stop at the deadline; the hard stop is a safety net for non-DNS stalls.
  const hardStop = new Promise<IncomingVerification>((resolve) => {
    timer = setTimeout(() => resolve(unverified(input.hostname, "verification timed out")), timeoutMs + 1000);
  });
  try {
    return await Promise.race([run(input, Date.now() + timeoutMs), hardStop]);
  } catch (err) {
    input.log?.warn({ err }, "message verification failed");
    return unverified(input.hostname, "verification failed");
  } finally {
    clearTimeout(timer);
  }
}

async function run(input: VerifyIncomingInput, deadline: number): Promise<IncomingVerification> {
  if (!Buffer.isBuffer(input.raw)) return unverified(input.hostname, "message is not a Buffer");
  if (headerLinesOver(input.raw, maxHeaderLines)) return unverified(input.hostname, `header over ${maxHeaderLines} lines`);
  const ip = typeof input.ip === "string" && isIP(input.ip) ? input.ip : undefined;
  if (!ip) return unverified(input.hostname, "invalid remote IP");
  const mailFrom = typeof input.mailFrom === "string" ? input.mailFrom : "";
  const helo = typeof input.helo === "string" ? input.helo.trim() : "";
  const resolver = loopbackTrustResolver(input.resolver, ip, input.trustedDomainsFromLoopback, input.trustedDkimRecords);
  const lookup = boundedLookup(resolver, {
    perLookupMs: input.dnsTimeoutMs ?? 5000,
    deadline,
    maxLookups: input.maxDnsLookups ?? 60,
  });
  // mailauth's declared resolver type omits MX (it consumes node:dns MX objects at runtime).
  const mailauthResolver = lookup as unknown as DNSResolver;
  const mta = authservId(input.hostname);
  const heloDomain = isIP(helo.replace(/^\[(?:ipv6:)?|\]$/gi, "")) ? undefined : tryAsciiDomain(helo);

  const { authenticate, spf: spfCheck } = await loadMailauth();
  const [auth, heloSpf] = await Promise.all([
    authenticate(withoutUnsignedBody(input.raw), {
      ip,
      helo: helo || undefined,
      sender: mailFrom ? asciiAddress(mailFrom) : undefined,
      mta,
      resolver: mailauthResolver,
      disableArc: true,
      disableBimi: true,
    }),
    // RFC 7208 §2.3: check HELO too. For `<>` the MAIL FROM check already is the HELO check.
    mailFrom && heloDomain ? spfCheck({ sender: `postmaster@${heloDomain}`, ip, helo, mta, resolver: mailauthResolver }) : undefined,
  ]);
  const result = interpret(auth, heloSpf, { mailFrom, heloDomain, hostname: input.hostname });
  // Lookups past the deadline failed fast; say so, the temperrors alone do not tell why.
  if (Date.now() >= deadline) result.error = "DNS deadline reached before all checks completed";
  input.log?.debug(
    { spf: result.spf, dkim: result.dkimVerifiedDomains, dmarc: result.dmarc, msgFromValidated: result.msgFromValidated },
    "message verified",
  );
  return result;
}

function interpret(
  auth: AuthenticateResult,
  heloSpf: SPFResult | undefined,
  ctx: { mailFrom: string; heloDomain: string | undefined; hostname: string },
): IncomingVerification {
  const dkim: DkimSignatureResult[] = [];
  for (const r of auth.dkim.results ?? []) {
    if (!r.signingDomain) continue; // the "message not signed" row
    const sig: DkimSignatureResult = {
      domain: r.signingDomain.toLowerCase(),
      selector: (r.selector ?? "").toLowerCase(),
      result: bodyHashFailed(r) ? "fail" : normalizeResult(r.status?.result),
    };
    if (r.status?.comment) sig.comment = r.status.comment;
    dkim.push(sig);
  }
  const dkimPassDomains = [...new Set(dkim.filter((d) => d.result === "pass").map((d) => d.domain))];
  const spf = auth.spf ? normalizeResult(auth.spf.status.result) : "none";
  const dmarc = auth.dmarc ? normalizeResult(auth.dmarc.status.result) : "none";
  const froms = auth.dkim.headerFrom ?? [];
  const fromDomain = froms.length === 1 && froms[0] ? addressDomain(froms[0]) : undefined;
  // mox: the SPF identity is the MAIL FROM domain, or the HELO domain for `<>`.
  const spfIdentity = ctx.mailFrom ? addressDomain(ctx.mailFrom) : ctx.heloDomain;
  const msgFromValidation = msgFromAlignment({
    fromDomain,
    dkimPassDomains,
    spfPass: spf === "pass",
    spfIdentity,
    dmarcPass: dmarc === "pass",
  });

  const rows = [
    ...(auth.dkim.results ?? []).map((r) => (bodyHashFailed(r) ? r.info?.replace(/^dkim=neutral /, "dkim=fail ") : r.info)),
    ...(auth.spf ? [auth.spf.info] : []),
    // The HELO row names only smtp.helo (RFC 8601 §2.7.2), not mailauth's postmaster@ form.
    ...(heloSpf && ctx.heloDomain ? [heloSpf.info.replace(` smtp.mailfrom=postmaster@${ctx.heloDomain}`, "")] : []),
    ...(auth.dmarc ? [auth.dmarc.info] : []),
  ].filter((row): row is string => typeof row === "string" && row.length > 0);

  const out: IncomingVerification = {
    authenticationResults: formatAuthenticationResults(ctx.hostname, rows),
    spf,
    dkim,
    dmarc,
    mailFromValidated: ctx.mailFrom !== "" && spf === "pass",
    msgFromValidated: msgFromValidation !== "none",
    msgFromValidation,
    dkimVerifiedDomains: dkimPassDomains.map(unicodeDomain),
  };
  if (auth.spf) out.receivedSpf = formatReceivedSpf(auth.spf.header);
  if (heloSpf) out.spfHelo = normalizeResult(heloSpf.status.result);
  if (auth.dmarc && auth.dmarc.p) out.dmarcPolicy = auth.dmarc.p;
  if (fromDomain) out.fromDomain = fromDomain;
  return out;
}

/**
 * A signature whose body hash did not match: mailauth (like Gmail) reports it as `neutral`, but
 * the signature was checked and failed (RFC 6376 §6.3 PERMFAIL, RFC 8601 §2.7.1 `fail`), and
 * mox says `fail`. We report `fail`.
 */
function bodyHashFailed(r: { status?: { result?: unknown; comment?: unknown } }): boolean {
  return r.status?.result === "neutral" && /^body hash did not verify$/.test(String(r.status.comment ?? ""));
}

/**
 * mailauth's header parsing takes time quadratic in the header's lines, synchronously: 100,000
 * folded To lines held the event loop (every session) for over a minute (docs/guarantees.md B3). Real
 * headers have hundreds of lines; past this, the message is stored unverified.
 */
const maxHeaderLines = 5000;

/** True when the header section (up to the first empty line) has more than `max` lines. */
function headerLinesOver(raw: Buffer, max: number): boolean {
  let lines = 0;
  for (let i = raw.indexOf(10); i >= 0; i = raw.indexOf(10, i + 1)) {
    if (++lines > max) return true;
    if (raw[i + 1] === 10 || (raw[i + 1] === 13 && raw[i + 2] === 10)) return false; // the empty line
  }
  return false;
}

/**
 * What mailauth gets to read. With ARC off, the body matters only to DKIM signatures' body
 * hashes; a message without a DKIM-Signature field gets the same results from its header alone,
 * and mailauth's byte-by-byte pass over a large body (the longest step of verification) is
 * skipped. Conservative: any mention of "dkim-signature" in the header keeps the whole message.
 * The header ends where mailauth ends it: at the first LF followed by LF or CRLF.
 */
function withoutUnsignedBody(raw: Buffer): Buffer {
  const crlf = raw.indexOf("\n\r\n");
  const lf = raw.indexOf("\n\n");
  const end = Math.min(crlf < 0 ? Infinity : crlf + 3, lf < 0 ? Infinity : lf + 2);
  if (end === Infinity || end >= raw.length) return raw;
  const header = raw.subarray(0, end);
  return header.toString("latin1").toLowerCase().includes("dkim-signature") ? raw : header;
}

/** The all-unverified result, for input we cannot verify and for failures. */
function unverified(hostname: string, error: string): IncomingVerification {
  return {
    authenticationResults: formatAuthenticationResults(hostname, [], error),
    spf: "none",
    dkim: [],
    dmarc: "none",
    mailFromValidated: false,
    msgFromValidated: false,
    msgFromValidation: "none",
    dkimVerifiedDomains: [],
    error,
  };
}

