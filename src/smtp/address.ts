// Email address parsing and formatting (RFC 5321 §4.1.2 Mailbox, RFC 6531 for UTF-8).
// Domains are kept in unicode form, lowercase, IDNA-decoded, as mox does.
import { domainToASCII, domainToUnicode } from "node:url";
import { AddressError } from "./errors.js";

/** A parsed mailbox: localpart as written (case kept, quotes removed), domain in unicode. */
export interface EmailAddress {
  /** Unquoted localpart; case is significant (RFC 5321 §2.4), so it is kept. */
  readonly localpart: string;
  /** Domain in unicode form, lowercase (e.g. `☺.localhost` for `xn--74h.localhost`). */
  readonly domain: string;
}

/** Options for {@link parseAddress}. */
export interface ParseAddressOptions {
  /** Refuse localparts that could route mail elsewhere (see {@link isSafeLocalpart}). */
  requireSafeLocalpart?: boolean;
}

// Addresses longer than this are refused before any work (RFC 5321 §4.5.3.1.3 allows
// 256 octets in a path; we leave room for long VERP localparts).
const maxAddressLength = 1000;
// atext (RFC 5322 §3.2.3) plus any non-ASCII code point (RFC 6531 §3.3).
const atomRe = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10ffff}]+$/u;
// eslint-disable-next-line no-control-regex
const controlRe = /[\x00-\x1f\x7f]/;
const labelRe = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Whether `s` holds only ASCII (for SMTPUTF8 decisions, RFC 6531). */
export function isAscii(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s);
}

/** Whether a message to or from this address needs SMTPUTF8: a non-ASCII localpart. */
export function needsSmtpUtf8(addr: EmailAddress): boolean {
  return !isAscii(addr.localpart);
}

/** Whether `lp` is a dot-atom and so needs no quoting (RFC 5321 §4.1.2 Dot-string). */
export function isDotAtom(lp: string): boolean {
  return lp !== "" && lp.split(".").every((atom) => atomRe.test(atom));
}

/**
 * Whether a localpart is safe to accept for local delivery on an MX without auth: a plain
 * dot-atom with no `%` or `!`. Refuses the relay tricks of docs/guarantees.md A11
 * (`"x@remote"@local`, `x%remote@local`, `host!x@local`) and anything needing quotes.
 */
export function isSafeLocalpart(lp: string): boolean {
  return isDotAtom(lp) && !/[%!]/.test(lp);
}

/**
 * Parses `localpart@domain` (no angle brackets, no display name). Quoted localparts are
 * unquoted; the domain is validated, IDNA-decoded to unicode and lowercased. Refuses
 * control characters, source routes (`@a:x@b`), address literals and trailing dots.
 * @throws AddressError with code `badAddress`, or `unsafeLocalpart` when asked.
 */
export function parseAddress(input: string, opts: ParseAddressOptions = {}): EmailAddress {
  const fail = (reason: string): never => {
    throw new AddressError("badAddress", input, reason);
  };
  if (input.length > maxAddressLength) fail("too long");
  if (controlRe.test(input)) fail("control characters not allowed");
  if (input.startsWith("@")) fail("source routes not allowed");
  const { localpart, rest } = input.startsWith('"') ? splitQuoted(input, fail) : splitDotAtom(input, fail);
  if (!rest.startsWith("@")) fail("missing @");
  const domain = parseDomain(rest.slice(1), fail);
  if (opts.requireSafeLocalpart && !isSafeLocalpart(localpart)) {
    throw new AddressError("unsafeLocalpart", input, "localpart not allowed");
  }
  return { localpart, domain };
}

function splitDotAtom(input: string, fail: (r: string) => never): { localpart: string; rest: string } {
  const at = input.lastIndexOf("@");
  if (at <= 0) fail("missing localpart or @");
  const localpart = input.slice(0, at);
  if (!isDotAtom(localpart)) fail("invalid localpart");
  return { localpart, rest: input.slice(at) };
}

// Quoted-string (RFC 5321 §4.1.2): qtextSMTP or backslash quoted-pair, then the closing quote.
function splitQuoted(input: string, fail: (r: string) => never): { localpart: string; rest: string } {
  let lp = "";
  for (let i = 1; i < input.length; i++) {
    const c = input[i]!;
    if (c === '"') {
      if (lp === "") fail("empty quoted localpart");
      return { localpart: lp, rest: input.slice(i + 1) };
    }
    if (c === "\\") {
      i++;
      if (i >= input.length) break;
      lp += input[i];
    } else {
      lp += c;
    }
  }
  return fail("unterminated quoted localpart");
}

/**
 * Validates a domain and returns its unicode form, lowercase. Refuses address literals,
 * trailing dots, underscores and labels that are not LDH after IDNA encoding.
 */
export function parseDomain(input: string, fail: (reason: string) => never = badDomain(input)): string {
  if (input.startsWith("[")) fail("address literals not supported");
  if (input === "" || input.endsWith(".")) fail("invalid domain");
  const ascii = domainToASCII(input);
  if (ascii === "" || ascii.length > 253) fail("invalid domain");
  if (!ascii.split(".").every((l) => labelRe.test(l))) fail("invalid domain");
  return domainToUnicode(ascii);
}

function badDomain(input: string): (reason: string) => never {
  return (reason) => {
    throw new AddressError("badAddress", input, reason);
  };
}

/**
 * Formats an address for a header or SMTP path. The localpart is quoted when it is not a
 * dot-atom. With `ascii`, the domain is written as IDNA A-labels (for non-SMTPUTF8 use).
 */
export function formatAddress(addr: EmailAddress, opts: { ascii?: boolean } = {}): string {
  const lp = isDotAtom(addr.localpart) ? addr.localpart : `"${addr.localpart.replace(/(["\\])/g, "\\$1")}"`;
  const domain = opts.ascii ? domainToASCII(addr.domain) : addr.domain;
  return `${lp}@${domain}`;
}

/**
 * The suppression-list base address (docs/contract.md §1.5): localpart cut at the first `+`, then
 * at the first `-`, dots removed, lowercased; domain in unicode form, lowercase.
 * `Remote.Last-catchall@xn--74h.localhost` → `remotelast@☺.localhost`, `"a b"@x` → `"a b"@x`.
 * @throws AddressError when given an unparsable string.
 */
export function baseAddress(addr: EmailAddress | string): string {
  const a = typeof addr === "string" ? parseAddress(addr) : addr;
  let lp = a.localpart;
  for (const sep of ["+", "-"]) {
    const i = lp.indexOf(sep);
    if (i >= 0) lp = lp.slice(0, i);
  }
  // Written as an address, as mox writes it: a localpart that is not a dot-atom stays quoted.
  return formatAddress({ localpart: lp.replaceAll(".", "").toLowerCase(), domain: a.domain.toLowerCase() });
}

/**
 * Parses an SMTP path argument `<addr>` (RFC 5321 §4.1.2). `<>` is the null reverse-path
 * and gives `null`. Source routes (`<@a:x@b>`) are refused, not ignored, because inbound
 * must never relay on their account.
 * @throws AddressError
 */
export function parsePath(input: string, opts: ParseAddressOptions = {}): EmailAddress | null {
  if (!input.startsWith("<") || !input.endsWith(">")) {
    throw new AddressError("badAddress", input, "path must be enclosed in <>");
  }
  const inner = input.slice(1, -1);
  return inner === "" ? null : parseAddress(inner, opts);
}
