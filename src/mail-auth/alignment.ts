import { createRequire } from "node:module";

// The organizational domain comes from the public suffix list. mailauth already ships it
// (tldts, used for its own DMARC alignment); we resolve tldts from mailauth's location
// so both agree on every domain, without a second copy of the list.
type GetDomain = (host: string, opts: { allowIcannDomains: boolean; allowPrivateDomains: boolean }) => string | null;
let getDomain: GetDomain | undefined; // loaded on first use, like mailauth (see verify.ts)

function loadGetDomain(): GetDomain {
  const requireFromMailauth = createRequire(createRequire(import.meta.url).resolve("mailauth"));
  return (getDomain = (requireFromMailauth("tldts") as { getDomain: GetDomain }).getDomain);
}

/** How the From header domain was validated, as mox's `MsgFromValidation`. */
export type MsgFromValidation = "strict" | "relaxed" | "dmarc" | "none";

/** The organizational domain (RFC 7489 §3.2) of an ASCII domain; the domain itself if unknown. */
export function organizationalDomain(domain: string): string {
  const d = domain.toLowerCase();
  return (getDomain ?? loadGetDomain())(d, { allowIcannDomains: true, allowPrivateDomains: true }) ?? d;
}

/**
 * mox's alignment (smtpserver/alignment.go): `strict` when a passing DKIM signature's
 * domain, or the SPF-passing identity, equals the From domain; `relaxed` when only their
 * organizational domains match; `dmarc` when relaxed and DMARC passed; else `none`.
 * All domains are lowercase A-labels.
 */
export function msgFromAlignment(args: {
  fromDomain: string | undefined;
  dkimPassDomains: readonly string[];
  spfPass: boolean;
  spfIdentity: string | undefined;
  dmarcPass: boolean;
}): MsgFromValidation {
  const { fromDomain, spfIdentity } = args;
  if (!fromDomain) return "none";
  const org = organizationalDomain(fromDomain);
  let strict = args.dkimPassDomains.includes(fromDomain);
  let relaxed = args.dkimPassDomains.some((d) => organizationalDomain(d) === org);
  if (!strict && args.spfPass && spfIdentity) {
    strict = spfIdentity === fromDomain;
    relaxed ||= organizationalDomain(spfIdentity) === org;
  }
  if (strict) return "strict";
  if (relaxed) return args.dmarcPass ? "dmarc" : "relaxed";
  return "none";
}
