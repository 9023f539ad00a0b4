/**
 * Response encoding as mox writes it (Go `json.Encoder` with HTML escaping off): struct keys
 * in declaration order, map keys sorted, empty lists and maps as `[]`/`{}` (never `null`),
 * `null` only for pointers, times in RFC 3339, compact, with a trailing newline.
 */
import { formatGoTime, GO_ZERO_TIME_MS } from "../events/index.js";
import type { AnyWireType } from "./wire.js";

/** Encodes `value` as the JSON body of a successful call. */
export function encodeResponse(type: AnyWireType, value: unknown): string {
  // Go escapes U+2028/U+2029 even with HTML escaping off; JSON.stringify does not.
  return JSON.stringify(toPlain(type, value)).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`) + "\n";
}

/** The plain JSON value of `value` under `type`, with keys in wire order. */
export function toPlain(type: AnyWireType, value: unknown): unknown {
  switch (type.kind) {
    case "string":
      return typeof value === "string" ? value : "";
    case "int":
      return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : 0;
    case "bool":
      return value === true;
    case "time":
      return formatTime(value instanceof Date ? value : new Date(typeof value === "string" ? value : GO_ZERO_TIME_MS));
    case "nullable":
      return value === null || value === undefined ? null : toPlain(type.elem, value);
    case "json":
      return value === undefined ? null : value;
    case "list":
      return Array.isArray(value) ? value.map((e) => toPlain(type.elem, e)) : [];
    case "pair":
      return [0, 1].map((i) => (Array.isArray(value) && typeof value[i] === "string" ? value[i] : ""));
    case "map": {
      const out: Record<string, unknown> = {};
      if (value && typeof value === "object") {
        const entries = Object.entries(value).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        // defineProperty: a key named "__proto__" stays an ordinary key.
        for (const [k, v] of entries) Object.defineProperty(out, k, { value: toPlain(type.elem, v), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case "struct": {
      const src = (value && typeof value === "object" ? value : {}) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, ft] of type.fields()) out[name] = toPlain(ft, src[name]);
      return out;
    }
  }
}

// Go's RFC 3339 form (events' formatter); a time Go could not print becomes the zero time.
function formatTime(d: Date): string {
  try {
    return formatGoTime(d);
  } catch {
    return formatGoTime(new Date(GO_ZERO_TIME_MS));
  }
}
