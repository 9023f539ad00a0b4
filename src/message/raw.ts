// Byte-level helpers on raw messages: the bare CR/LF check behind the inbound smuggling
// policy (docs/guarantees.md A1/A2), prepending trace headers, and Message-ID generation.
import { randomBytes } from "node:crypto";
import { domainToASCII } from "node:url";
import { HeaderLineError } from "./errors.js";

const CR = 0x0d;
const LF = 0x0a;

/** True when `buf` has a LF not preceded by CR, or a CR not followed by LF. */
export function hasBareCrOrLf(buf: Uint8Array): boolean {
  for (let i = buf.indexOf(LF); i >= 0; i = buf.indexOf(LF, i + 1)) {
    if (i === 0 || buf[i - 1] !== CR) return true;
  }
  for (let i = buf.indexOf(CR); i >= 0; i = buf.indexOf(CR, i + 1)) {
    if (buf[i + 1] !== LF) return true;
  }
  return false;
}

// eslint-disable-next-line no-control-regex
const nameRe = /^[\x21-\x39\x3b-\x7e]+$/;

/**
 * Returns `raw` with header fields prepended (Received, Return-Path, Delivered-To, a
 * DKIM-Signature...). Each entry is `[name, value]` or a complete field `Name: value`
 * that may be folded with CRLF + whitespace; a trailing CRLF is added when missing.
 * @throws HeaderLineError for a bare CR/LF, a fold not followed by whitespace, or a bad name.
 */
export function prependHeaders(raw: Uint8Array, headers: ReadonlyArray<string | readonly [string, string]>): Buffer {
  const lines = headers.map((h) => {
    const line = typeof h === "string" ? h : `${h[0]}: ${h[1]}`;
    const withEnd = line.endsWith("\r\n") ? line : `${line}\r\n`;
    checkField(withEnd);
    return Buffer.from(withEnd, "utf8");
  });
  return Buffer.concat([...lines, raw]);
}

function checkField(field: string): void {
  const colon = field.indexOf(":");
  if (colon <= 0 || !nameRe.test(field.slice(0, colon))) throw new HeaderLineError(`bad header field name in ${JSON.stringify(field.slice(0, 40))}`);
  const body = field.slice(0, -2);
  if (hasBareCrOrLf(Buffer.from(field))) throw new HeaderLineError("bare CR or LF in header field");
  // Every line break inside the field must be a fold: CRLF followed by space or tab.
  for (let i = body.indexOf("\r\n"); i >= 0; i = body.indexOf("\r\n", i + 2)) {
    const next = body[i + 2];
    if (next !== " " && next !== "\t") throw new HeaderLineError("line break in header field is not a fold");
  }
}

/**
 * A new Message-ID, `<22 base64url chars@host>` from 16 random bytes, as mox generates
 * them. The host is written in ASCII (A-labels) unless `smtpUtf8`.
 */
export function generateMessageId(hostname: string, smtpUtf8 = false): string {
  const host = smtpUtf8 ? hostname : domainToASCII(hostname) || hostname;
  return `<${randomBytes(16).toString("base64url")}@${host}>`;
}

/**
 * Offset where the body starts (after the empty line ending the header section), or the
 * buffer length when there is none. Accepts bare LF line ends so it works on any input.
 */
export function headerSectionEnd(raw: Uint8Array): number {
  for (let i = raw.indexOf(LF); i >= 0; i = raw.indexOf(LF, i + 1)) {
    if (i === 0) return 1;
    if (raw[i - 1] === LF) return i + 1;
    if (raw[i - 1] === CR && (i === 1 || raw[i - 2] === LF)) return i + 1;
  }
  return raw.length;
}
