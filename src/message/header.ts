// Header section reading (RFC 5322 §2.2): fields with unfolded values and their byte
// ranges. Lenient like real mail requires, bounded by a byte cap so a header bomb ends
// in a ParseLimitError instead of unbounded work.
import { ParseLimitError } from "./errors.js";

/** One header field. Offsets index the raw message buffer. */
export interface HeaderField {
  /** Name as written, e.g. `Message-ID`. */
  readonly name: string;
  /** Lowercase name, for lookups. */
  readonly key: string;
  /** Value unfolded the way Go's textproto does: lines trimmed, joined by one space. */
  readonly value: string;
  /** Byte offset where the field starts. */
  readonly start: number;
  /** Byte offset just after the field's last line break. */
  readonly end: number;
}

/** A parsed header section. */
export interface HeaderSection {
  readonly fields: HeaderField[];
  /** Offset of the first body byte (after the empty line), or the region end. */
  readonly bodyStart: number;
}

const LF = 0x0a;
const CR = 0x0d;
const nameRe = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/;

/**
 * Reads the header section in `raw[start, end)`. Ends at the first empty line. Lines that
 * are neither a field nor a continuation are skipped, except as the first line: then the
 * part has no header and the body starts right away (broken parts omit the empty line).
 * @throws ParseLimitError when the section exceeds `maxBytes`.
 */
export function readHeader(raw: Uint8Array, start: number, end: number, maxBytes: number): HeaderSection {
  const fields: HeaderField[] = [];
  let cur: { name: string; start: number; parts: string[] } | null = null;
  const flush = (fieldEnd: number): void => {
    if (!cur) return;
    const value = cur.parts.map((p) => p.trim()).join(" ").trim();
    fields.push({ name: cur.name, key: cur.name.toLowerCase(), value, start: cur.start, end: fieldEnd });
    cur = null;
  };
  let pos = start;
  while (pos < end) {
    if (pos - start > maxBytes) throw new ParseLimitError("headerTooLarge", `header section over ${maxBytes} bytes`);
    const nl = indexOfByte(raw, LF, pos, end);
    const next = nl < 0 ? end : nl + 1;
    const lineEnd = nl < 0 ? end : nl > pos && raw[nl - 1] === CR ? nl - 1 : nl;
    if (lineEnd === pos) {
      flush(pos);
      return { fields, bodyStart: next };
    }
    if (next - pos > maxBytes) throw new ParseLimitError("headerTooLarge", `header line over ${maxBytes} bytes`);
    const line = utf8(raw, pos, lineEnd);
    if ((line[0] === " " || line[0] === "\t") && cur) {
      (cur as { parts: string[] }).parts.push(line);
    } else {
      const m = nameRe.exec(line);
      flush(pos);
      if (m) cur = { name: m[1]!, start: pos, parts: [line.slice(m[0].length)] };
      // A first line that is no field means the part has no header and the empty line is
      // missing; a malformed line later is skipped, as mailsplit does.
      else if (pos === start) return { fields, bodyStart: pos };
    }
    pos = next;
  }
  flush(end);
  return { fields, bodyStart: end };
}

/** First value of a header field by case-insensitive name, or "". */
export function headerValue(fields: readonly HeaderField[], name: string): string {
  const key = name.toLowerCase();
  return fields.find((f) => f.key === key)?.value ?? "";
}

/** All values of a header field by case-insensitive name, in order. */
export function headerValues(fields: readonly HeaderField[], name: string): string[] {
  const key = name.toLowerCase();
  return fields.filter((f) => f.key === key).map((f) => f.value);
}

/** Index of byte `b` in `raw[from, to)`, or -1; bounded so a search never runs past `to`. */
export function indexOfByte(raw: Uint8Array, b: number, from: number, to: number): number {
  const i = raw.indexOf(b, from);
  return i < 0 || i >= to ? -1 : i;
}

const decoder = new TextDecoder("utf-8");

// RFC 6532 allows UTF-8 in header values; invalid bytes become U+FFFD.
function utf8(raw: Uint8Array, from: number, to: number): string {
  return decoder.decode(raw.subarray(from, to));
}

/**
 * The top-level header fields of a message: `[name as written, unfolded value]` in order,
 * and the offset where the body starts. Bounded by `maxBytes` (default 1 MiB).
 * @throws ParseLimitError when the header section is larger.
 */
export function readHeaderFields(raw: Uint8Array, maxBytes = 1 << 20): { fields: Array<[string, string]>; bodyStart: number } {
  const { fields, bodyStart } = readHeader(raw, 0, raw.length, maxBytes);
  return { fields: fields.map((f): [string, string] => [f.name, f.value]), bodyStart };
}
