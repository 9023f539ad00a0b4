import { domainToASCII, domainToUnicode } from "node:url";
import { MailAuthError } from "./errors.js";

// LDH labels (RFC 1035 §2.3.1, RFC 5890 A-labels), 1–63 octets, no edge hyphens.
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * Validates a domain and returns its lowercase A-label form without trailing dot
 * (`Bücher.Example.` → `xn--bcher-kva.example`). Throws `INVALID_DOMAIN` otherwise.
 * The strict syntax also keeps names safe to use as directory names.
 */
export function asciiDomain(domain: string): string {
  const trimmed = domain.trim().replace(/\.$/, "");
  const ascii = trimmed ? domainToASCII(trimmed).toLowerCase() : "";
  if (!ascii || ascii.length > 253 || !HOSTNAME.test(ascii)) {
    throw new MailAuthError("INVALID_DOMAIN", `invalid domain ${JSON.stringify(domain)}`);
  }
  return ascii;
}

/** Like {@link asciiDomain} but returns undefined instead of throwing. */
export function tryAsciiDomain(domain: string): string | undefined {
  try {
    return asciiDomain(domain);
  } catch {
    return undefined; // invalid input is simply "no domain" for the callers
  }
}

/** The Unicode form of a domain, for display and for mox's unicode Meta fields. */
export function unicodeDomain(domain: string): string {
  const lower = domain.toLowerCase();
  return domainToUnicode(lower) || lower;
}

/**
 * Validates a DKIM selector (RFC 6376 §3.1: dot-separated LDH labels) and returns it
 * lowercased. Throws `INVALID_SELECTOR` otherwise; the result is safe as a file name.
 */
export function dkimSelector(selector: string): string {
  const s = selector.trim().toLowerCase();
  if (!s || s.length > 253 || !HOSTNAME.test(s)) {
    throw new MailAuthError("INVALID_SELECTOR", `invalid DKIM selector ${JSON.stringify(selector)}`);
  }
  return s;
}

/** The domain part of an address (after the last `@`), as an A-label, or undefined. */
export function addressDomain(address: string): string | undefined {
  const at = address.lastIndexOf("@");
  return at < 0 ? undefined : tryAsciiDomain(address.slice(at + 1).replace(/>$/, ""));
}

/** The address with its domain as an A-label (SPF needs ASCII domains), else unchanged. */
export function asciiAddress(address: string): string {
  const at = address.lastIndexOf("@");
  const domain = at < 0 ? undefined : tryAsciiDomain(address.slice(at + 1));
  return domain ? `${address.slice(0, at)}@${domain}` : address;
}
