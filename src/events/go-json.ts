/**
 * JSON text as Go's encoding/json writes it, so webhook bodies are byte-identical to mox's.
 *
 * Differences from `JSON.stringify` that matter here:
 * - struct fields keep declaration order, but map keys are sorted by their UTF-8 bytes (a JS object
 *   would put integer-like keys first);
 * - `json.Marshal` escapes `<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026` (HTML escaping, on by
 *   default) and always escapes U+2028 and U+2029; invalid UTF-16 becomes U+FFFD;
 * - times use RFC 3339 with trimmed fractional seconds ({@link formatGoTime}).
 */
import { InvalidPayloadError } from "./errors.js";

/** A Go struct: fields emitted in the given order. */
export interface GoStruct {
  readonly struct: ReadonlyArray<readonly [string, GoJson]>;
}

/** A Go `map[string]T`: keys emitted sorted by their UTF-8 bytes. */
export interface GoMap {
  readonly map: Readonly<Record<string, GoJson>>;
}

/** A value encodable like Go would: `number` must be an integer (Go int/int64), `Date` a time.Time. */
export type GoJson = string | number | boolean | null | Date | readonly GoJson[] | GoStruct | GoMap;

/** Options of {@link encodeGoJson}; defaults give `json.Marshal` output. */
export interface GoJsonOptions {
  /** Escape `<`, `>`, `&` like `json.Marshal` (default true; `Encoder.SetEscapeHTML(false)` turns it off). */
  readonly escapeHTML?: boolean;
  /** With `indent`: text that starts every line after the first (Go's `prefix`). */
  readonly prefix?: string;
  /** Indent per nesting level (Go's `MarshalIndent`/`SetIndent`); compact output when absent. */
  readonly indent?: string;
}

/** Milliseconds since the epoch of Go's zero `time.Time` (0001-01-01T00:00:00Z). */
export const GO_ZERO_TIME_MS = -62135596800000;

/** A new Date holding Go's zero time; {@link formatGoTime} prints it as `0001-01-01T00:00:00Z`. */
export function goZeroTime(): Date {
  return new Date(GO_ZERO_TIME_MS);
}

const zoneOffset = Symbol("zoneOffsetMinutes");

/**
 * A copy of `date` that {@link formatGoTime} prints in a fixed zone `offsetMinutes` east of UTC,
 * the way Go keeps the zone a time was parsed with (a message's `Date: ... +0200`). Zero, null
 * or undefined: UTC.
 */
export function withZoneOffset(date: Date, offsetMinutes: number | null | undefined): Date {
  const d = new Date(date.getTime());
  if (offsetMinutes) Object.defineProperty(d, zoneOffset, { value: offsetMinutes });
  return d;
}

/**
 * Formats a time like Go's `time.Time.MarshalJSON` (layout RFC3339Nano):
 * `2024-03-27T00:00:00Z`, `2024-03-27T00:00:00.5Z`, `2024-03-27T02:00:00.123+02:00`.
 * Fractional seconds appear only when non-zero, without trailing zeros (JS has millisecond
 * precision, Go nanoseconds). The zone is `Z` unless the Date carries an offset from
 * {@link withZoneOffset}: then its local time and that offset, as Go prints a parsed time. Go's
 * zero time prints as `0001-01-01T00:00:00Z` (see {@link goZeroTime}).
 * @throws RangeError for an invalid Date or a year outside [0, 9999] (Go refuses those too).
 */
export function formatGoTime(date: Date): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError("formatting time: invalid date");
  const offset = (date as { [zoneOffset]?: number })[zoneOffset] ?? 0;
  const iso = new Date(ms + offset * 60_000).toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ, or ±YYYYYY-… outside 0..9999
  if (!/^\d{4}-/.test(iso)) throw new RangeError(`formatting time: year outside [0,9999]: ${iso}`);
  const frac = iso.slice(20, 23).replace(/0+$/, "");
  const abs = Math.abs(offset);
  const zone = offset === 0 ? "Z" : `${offset < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  return `${iso.slice(0, 19)}${frac === "" ? "" : `.${frac}`}${zone}`;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HTML_AND_LINE_SEPARATORS = /[<>&\u2028\u2029]/g;
const LINE_SEPARATORS = /[\u2028\u2029]/g;

/** Encodes a string literal like Go; JSON.stringify already matches Go ≥1.22 for control chars. */
function goString(s: string, escapeHTML: boolean): string {
  const quoted = JSON.stringify(s.replace(LONE_SURROGATE, "\ufffd"));
  return quoted.replace(escapeHTML ? HTML_AND_LINE_SEPARATORS : LINE_SEPARATORS, (c) =>
    `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Compares strings by UTF-8 bytes, as Go's sort of map keys does. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function isStruct(v: object): v is GoStruct {
  return "struct" in v;
}

interface Layout {
  readonly escapeHTML: boolean;
  readonly prefix: string;
  readonly indent: string | undefined;
}

/** Joins already-encoded members, compact or in Go's indented layout (`[]`/`{}` stay compact). */
function container(open: string, close: string, members: string[], depth: number, l: Layout): string {
  if (members.length === 0) return open + close;
  if (l.indent === undefined) return open + members.join(",") + close;
  const inner = `\n${l.prefix}${l.indent.repeat(depth + 1)}`;
  return `${open}${inner}${members.join(`,${inner}`)}\n${l.prefix}${l.indent.repeat(depth)}${close}`;
}

function encode(v: GoJson, depth: number, l: Layout): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return goString(v, l.escapeHTML);
    case "boolean":
      return v ? "true" : "false";
    case "number":
      if (!Number.isSafeInteger(v)) throw new InvalidPayloadError(`encoding json: ${v} is not a safe integer`);
      return String(v);
  }
  if (v instanceof Date) return goString(formatGoTime(v), l.escapeHTML);
  const sep = l.indent === undefined ? ":" : ": ";
  const member = (k: string, x: GoJson) => goString(k, l.escapeHTML) + sep + encode(x, depth + 1, l);
  if (Array.isArray(v)) return container("[", "]", v.map((x: GoJson) => encode(x, depth + 1, l)), depth, l);
  if (isStruct(v as GoStruct | GoMap)) {
    return container("{", "}", (v as GoStruct).struct.map(([k, x]) => member(k, x)), depth, l);
  }
  const map = (v as GoMap).map;
  const keys = Object.keys(map).sort(compareUtf8);
  return container("{", "}", keys.map((k) => member(k, map[k] ?? null)), depth, l);
}

/**
 * Encodes a value as Go's encoding/json would: compact like `json.Marshal` by default, or
 * indented like `json.MarshalIndent(v, prefix, indent)` (no trailing newline either way).
 * @throws InvalidPayloadError for a non-integer number; RangeError for an unencodable time.
 */
export function encodeGoJson(value: GoJson, options: GoJsonOptions = {}): string {
  const layout: Layout = {
    escapeHTML: options.escapeHTML ?? true,
    prefix: options.prefix ?? "",
    indent: options.indent,
  };
  return encode(value, 0, layout);
}
