// Encoders for composing: RFC 2047 encoded words, address and subject headers folded like
// mox's Composer, RFC 2231 parameters, quoted-printable text (RFC 2045 §6.7) and base64
// lines. All output uses CRLF and never contains a bare CR or LF.
import { isAscii } from "../smtp/index.js";

const maxWordLen = 75; // RFC 2047 §2: an encoded word is at most 75 characters

/**
 * Encodes text as RFC 2047 encoded words (`q` or `b`), split so each word stays within 75
 * characters without cutting a UTF-8 sequence; words are separated by a space.
 */
export function encodeWords(text: string, enc: "q" | "b"): string {
  const prefix = `=?utf-8?${enc}?`;
  const room = maxWordLen - prefix.length - 2;
  const words: string[] = [];
  let chunk: number[] = [];
  let len = 0;
  for (const ch of text) {
    const bytes = [...Buffer.from(ch, "utf8")];
    const next = enc === "b" ? Math.ceil((chunk.length + bytes.length) / 3) * 4 : len + qLength(bytes);
    if (chunk.length > 0 && next > room) {
      words.push(prefix + encodeChunk(chunk, enc) + "?=");
      chunk = [];
      len = 0;
    }
    chunk.push(...bytes);
    len += qLength(bytes);
  }
  if (chunk.length > 0 || words.length === 0) words.push(prefix + encodeChunk(chunk, enc) + "?=");
  return words.join(" ");
}

// Go's mime.QEncoding: space as "_", printable ASCII except "=?_" literal, the rest =XX.
function qSafe(b: number): boolean {
  return b >= 0x21 && b <= 0x7e && b !== 0x3d && b !== 0x3f && b !== 0x5f;
}

function qLength(bytes: number[]): number {
  return bytes.reduce((n, b) => n + (b === 0x20 || qSafe(b) ? 1 : 3), 0);
}

function encodeChunk(bytes: number[], enc: "q" | "b"): string {
  if (enc === "b") return Buffer.from(bytes).toString("base64");
  return bytes.map((b) => (b === 0x20 ? "_" : qSafe(b) ? String.fromCharCode(b) : `=${hex(b)}`)).join("");
}

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, "0");
}

/**
 * A mailbox for a header, like Go's mail.Address.String(): `<addr>` without a name,
 * `"Name" <addr>` for printable ASCII names, else an encoded word (B when the name holds
 * RFC 2047 §5(3) specials, Q otherwise).
 */
export function formatMailbox(name: string, address: string): string {
  const addr = `<${address}>`;
  if (name === "") return addr;
  if (/^[\x20-\x7e]*$/.test(name)) return `"${name.replace(/(["\\])/g, "\\$1")}" ${addr}`;
  const enc = /["#$%&'(),.:;<>@[\]^`{|}~]/.test(name) ? "b" : "q";
  return `${encodeWords(name, enc)} ${addr}`;
}

/** An address header folded before 78 columns, as mox's Composer.HeaderAddrs. */
export function addressHeader(key: string, mailboxes: string[]): string {
  let v = "";
  let lineLen = key.length + 2;
  for (const s of mailboxes) {
    if (v !== "") {
      v += ",";
      lineLen++;
    }
    if (v !== "" && lineLen + 1 + s.length > 77) {
      v += "\r\n\t";
      lineLen = 1;
    } else if (v !== "") {
      v += " ";
      lineLen++;
    }
    v += s;
    lineLen += s.length;
  }
  return `${key}: ${v}\r\n`;
}

/**
 * The Subject header like mox's Composer: words split on spaces, non-ASCII words as RFC 2047
 * Q words unless the message goes out with SMTPUTF8, folded before 78 columns. Unlike mox,
 * consecutive encoded words are encoded as one run (with their spaces inside), because
 * decoders drop the whitespace between adjacent encoded words ("a b" would read "ab"), and
 * ASCII words that look like encoded words (`=?`) are encoded so they read back verbatim.
 */
export function subjectHeader(subject: string, smtpUtf8: boolean): string {
  const needs = (w: string): boolean => w.includes("=?") || (!smtpUtf8 && !isAscii(w));
  const words = subject.split(" ");
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (!needs(words[i]!)) {
      pieces.push(words[i]!);
      continue;
    }
    // Extend the run over empty words (double spaces) up to the last word needing encoding.
    let j = i;
    for (let k = i + 1; k < words.length && (words[k] === "" || needs(words[k]!)); k++) if (needs(words[k]!)) j = k;
    pieces.push(...encodeWords(words.slice(i, j + 1).join(" "), "q").split(" "));
    i = j;
  }
  return `Subject: ${foldPieces(pieces, "Subject: ".length)}\r\n`;
}

// Joins pieces with single spaces; where a line would pass 77 columns the space becomes
// the folding whitespace (CRLF SP), so unfolding gives back exactly one space.
function foldPieces(pieces: readonly string[], used: number): string {
  let v = "";
  let lineLen = used;
  pieces.forEach((p, i) => {
    if (i > 0 && lineLen + 1 + p.length > 77) {
      v += "\r\n ";
      lineLen = 1;
    } else if (i > 0) {
      v += " ";
      lineLen++;
    }
    v += p;
    lineLen += p.length;
  });
  return v;
}

const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const maxParamLen = 200;

/**
 * One header parameter, e.g. `filename="a b.txt"`: a bare token, a quoted string for
 * printable ASCII, else RFC 2231 `key*=utf-8''…` percent-encoding; values too long for one
 * line become RFC 2231 continuations on folded lines.
 */
export function formatParam(key: string, value: string): string {
  if (tokenRe.test(value) && value.length <= maxParamLen) return `${key}=${value}`;
  if (/^[\x20-\x7e]*$/.test(value) && value.length <= maxParamLen) return `${key}="${value.replace(/(["\\])/g, "\\$1")}"`;
  const pct = percentEncode(value);
  if (pct.length <= maxParamLen) return `${key}*=utf-8''${pct}`;
  const segments: string[] = [];
  for (let i = 0; i < pct.length; ) {
    let end = Math.min(i + 60, pct.length);
    if (pct[end - 1] === "%") end -= 1; // never split a %XX escape
    else if (pct[end - 2] === "%") end -= 2;
    segments.push(pct.slice(i, end));
    i = end;
  }
  return segments.map((s, n) => `${key}*${n}*=${n === 0 ? "utf-8''" : ""}${s}`).join(";\r\n\t");
}

// RFC 5987 attr-char stays literal, everything else is %XX of the UTF-8 bytes.
function percentEncode(s: string): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9!#$&+\-.^_`|~]/.test(c) ? c : `%${hex(b)}`;
  }
  return out;
}

/**
 * Quoted-printable for CRLF text (Go's quotedprintable.Writer): `=`, controls and 8-bit
 * bytes escaped, trailing whitespace escaped, soft breaks keep lines at most 76 columns.
 */
export function encodeQuotedPrintable(text: string): string {
  return text
    .split("\r\n")
    .map((line) => qpLine(Buffer.from(line, "utf8")))
    .join("\r\n");
}

function qpLine(bytes: Buffer): string {
  const lines: string[] = [];
  let cur = "";
  bytes.forEach((b, i) => {
    const trailingSpace = (b === 0x20 || b === 0x09) && i === bytes.length - 1;
    const literal = (b === 0x09 || (b >= 0x20 && b <= 0x7e)) && b !== 0x3d && !trailingSpace;
    const tok = literal ? String.fromCharCode(b) : `=${hex(b)}`;
    if (cur.length + tok.length > 75) {
      lines.push(`${cur}=`);
      cur = "";
    }
    cur += tok;
  });
  lines.push(cur);
  return lines.join("\r\n");
}

/** Whether text with CRLF lines needs quoted-printable: a line over 76 bytes (mox's rule). */
export function needsQuotedPrintable(text: string): boolean {
  return text.split("\r\n").some((line) => Buffer.byteLength(line) > 76);
}

/** Splits base64 text into CRLF-terminated lines of 76 characters (RFC 2045 §6.8). */
export function base64Lines(b64: string): string {
  let out = "";
  for (let i = 0; i < b64.length; i += 76) out += `${b64.slice(i, i + 76)}\r\n`;
  return out;
}

/** Date in mox's RFC5322Z layout `2 Jan 2006 15:04:05 -0700`, in local time. */
export function formatDate(d: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p2 = (n: number): string => String(n).padStart(2, "0");
  const off = -d.getTimezoneOffset();
  const zone = `${off >= 0 ? "+" : "-"}${p2(Math.floor(Math.abs(off) / 60))}${p2(Math.abs(off) % 60)}`;
  return `${d.getDate()} ${months[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${zone}`;
}
