// MIME header values with parameters (RFC 2045 §5.1, RFC 2183), RFC 2231 extended and
// continued parameters, and RFC 2047 encoded words. Lenient and bounded: at most
// `maxParams` parameters per value are read, so 10k-parameter bombs stay cheap.
import { decodeCharset } from "./charset.js";

/** A header value split into its lowercase main value and parameters. */
export interface ParamValue {
  /** Lowercase value before the first `;`, e.g. `text/plain` or `attachment`. */
  readonly value: string;
  /** Parameters with lowercase keys and decoded values. */
  readonly params: Record<string, string>;
}

const maxParams = 100;
const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses a Content-Type value. Returns null when absent/empty. A malformed media type
 * becomes `application/octet-stream` without parameters, as mox recovers.
 */
export function parseContentType(raw: string): ParamValue | null {
  const { value, params } = parseParamValue(raw);
  if (value === "") return null;
  const [type, sub, extra] = value.split("/");
  if (!type || !sub || extra !== undefined || !tokenRe.test(type) || !tokenRe.test(sub)) {
    return { value: "application/octet-stream", params: {} };
  }
  return { value, params };
}

/** Parses `value; k=v; k2="v 2"` with RFC 2231 decoding of the parameters. */
export function parseParamValue(raw: string): ParamValue {
  const semi = raw.indexOf(";");
  const value = (semi < 0 ? raw : raw.slice(0, semi)).trim().toLowerCase();
  const params = semi < 0 ? {} : decodeRfc2231(readRawParams(raw.slice(semi + 1)));
  return { value, params };
}

// Tokenizes `k=v` pairs; values are tokens or quoted strings with backslash escapes.
// The first occurrence of a key wins.
function readRawParams(s: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < s.length && out.size < maxParams) {
    while (i < s.length && (s[i] === ";" || s[i] === " " || s[i] === "\t")) i++;
    const eq = s.indexOf("=", i);
    const semi = s.indexOf(";", i);
    if (eq < 0 || (semi >= 0 && semi < eq)) {
      if (semi < 0) break;
      i = semi + 1; // a stray word without "=": skip it
      continue;
    }
    const key = s.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (s[i] === " " || s[i] === "\t") i++;
    let val = "";
    if (s[i] === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === "\\" && i + 1 < s.length) i++;
        val += s[i];
      }
      i++;
    } else {
      const end = s.indexOf(";", i);
      val = (end < 0 ? s.slice(i) : s.slice(i, end)).trim();
      i = end < 0 ? s.length : end;
    }
    if (key !== "" && !out.has(key)) out.set(key, val);
  }
  return out;
}

interface Segment {
  readonly index: number;
  readonly extended: boolean;
  readonly value: string;
}

// RFC 2231 §3-4: `k*=cs'lang'%xx`, `k*0=`, `k*1*=`. Extended forms win over plain ones.
function decodeRfc2231(raw: Map<string, string>): Record<string, string> {
  const plain: Record<string, string> = {};
  const segments = new Map<string, Segment[]>();
  for (const [key, value] of raw) {
    const m = /^([^*]+)\*(?:(\d{1,3})(\*)?)?$/.exec(key);
    if (!m) {
      plain[key] = value;
      continue;
    }
    const name = m[1]!;
    const seg: Segment = m[2] === undefined ? { index: 0, extended: true, value } : { index: Number(m[2]), extended: m[3] === "*", value };
    const list = segments.get(name) ?? [];
    list.push(seg);
    segments.set(name, list);
  }
  for (const [name, list] of segments) plain[name] = joinSegments(list);
  return plain;
}

function joinSegments(list: Segment[]): string {
  list.sort((a, b) => a.index - b.index);
  let charset = "utf-8";
  const bytes: number[] = [];
  for (let i = 0; i < list.length && list[i]!.index === i; i++) {
    const seg = list[i]!;
    let v = seg.value;
    if (seg.extended && i === 0) {
      const parts = v.split("'");
      if (parts.length >= 3) {
        charset = parts[0] || "utf-8";
        v = parts.slice(2).join("'");
      }
    }
    if (seg.extended) pushPercentDecoded(bytes, v);
    else for (const b of Buffer.from(v, "utf8")) bytes.push(b);
  }
  return decodeCharset(Uint8Array.from(bytes), charset);
}

function pushPercentDecoded(out: number[], s: string): void {
  for (let i = 0; i < s.length; i++) {
    const hex = s[i] === "%" ? s.slice(i + 1, i + 3) : "";
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of Buffer.from(s[i]!, "utf8")) out.push(b);
    }
  }
}

const wordRe = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

/**
 * Decodes RFC 2047 encoded words. Whitespace between adjacent encoded words is dropped
 * (§6.2), and adjacent words in one charset are joined as bytes first so a multibyte
 * character split across words survives.
 */
export function decodeWords(s: string): string {
  if (!s.includes("=?")) return s;
  let out = "";
  let last = 0;
  let pending: { charset: string; bytes: number[] } | null = null;
  const flush = (): void => {
    if (pending) out += decodeCharset(Uint8Array.from(pending.bytes), pending.charset);
    pending = null;
  };
  for (const m of s.matchAll(wordRe)) {
    const between = s.slice(last, m.index);
    const charset = m[1]!.split("*")[0]!.toLowerCase();
    if (!(pending && /^[ \t\r\n]*$/.test(between))) {
      flush();
      out += between;
    }
    const bytes = decodeWordBytes(m[2]!, m[3]!);
    const cur = pending as { charset: string; bytes: number[] } | null;
    if (cur && cur.charset === charset) for (const b of bytes) cur.bytes.push(b);
    else {
      flush();
      pending = { charset, bytes: [...bytes] };
    }
    last = m.index + m[0].length;
  }
  flush();
  return out + s.slice(last);
}

function decodeWordBytes(enc: string, text: string): Uint8Array {
  if (enc === "b" || enc === "B") return Buffer.from(text, "base64");
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const hex = c === "=" ? text.slice(i + 1, i + 3) : "";
    if (c === "_") out.push(0x20);
    else if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else for (const b of Buffer.from(c, "utf8")) out.push(b);
  }
  return Uint8Array.from(out);
}
