/**
 * Strict request decoding with Go's encoding/json rules (mox decodes with
 * DisallowUnknownFields): keys match case-insensitively with an exact match preferred, unknown
 * keys are refused, `null` leaves a non-pointer at its zero value, integers must be integral.
 * Results are built field by field from the descriptor, so nothing from the input (such as a
 * `__proto__` key) is ever copied onto an object.
 */
import { DecodeError } from "./errors.js";
import { GO_ZERO_TIME_MS } from "../events/index.js";
import type { AnyStructType, AnyWireType, Infer } from "./wire.js";

// RFC 3339 as Go's time.Time.UnmarshalJSON accepts it.
const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses the `request` form field as JSON and decodes it into `type`; throws DecodeError. */
export function decodeRequest<S extends AnyStructType>(type: S, text: string): Infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DecodeError(`parsing request: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Go: null leaves the request at its zero value, as `{}` does (mox: request=null is {}).
  if (value === null) return zeroValue(type) as Infer<S>;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new DecodeError(`parsing request: json: cannot unmarshal ${jsonKind(value)} into Go value of type ${type.name}`);
  }
  return decodeValue(type, value, "") as Infer<S>;
}

/** The zero value of a descriptor as a decoded request holds it (lists `[]`, maps `{}`). */
export function zeroValue(type: AnyWireType): unknown {
  switch (type.kind) {
    case "string":
      return "";
    case "int":
      return 0;
    case "bool":
      return false;
    case "time":
      return new Date(GO_ZERO_TIME_MS);
    case "nullable":
      return null;
    case "list":
      return [];
    case "map":
      return Object.create(null) as Record<string, unknown>;
    case "pair":
      return ["", ""];
    case "json":
      return null;
    case "struct": {
      const out: Record<string, unknown> = {};
      for (const [name, ft] of type.fields()) out[name] = zeroValue(ft);
      return out;
    }
  }
}

function decodeValue(type: AnyWireType, v: unknown, path: string): unknown {
  if (v === null) return zeroValue(type); // Go: null leaves the value at zero (nil for pointers)
  const fail = (goType: string): never => {
    throw new DecodeError(`parsing request: json: cannot unmarshal ${jsonKind(v)} into Go ${path ? `struct field ${path}` : "value"} of type ${goType}`);
  };
  switch (type.kind) {
    case "string":
      return typeof v === "string" ? v : fail("string");
    case "int":
      return typeof v === "number" && Number.isSafeInteger(v) ? v : fail("int64");
    case "bool":
      return typeof v === "boolean" ? v : fail("bool");
    case "time":
      return typeof v === "string" ? parseTime(v, path) : fail("time.Time");
    case "nullable":
      return decodeValue(type.elem, v, path);
    case "json":
      return v;
    case "list":
      return Array.isArray(v) ? v.map((e) => decodeValue(type.elem, e, path)) : fail("[]");
    case "pair": {
      if (!Array.isArray(v)) return fail("[2]string");
      // Go fills a fixed-size array from the front, dropping extra elements.
      return [0, 1].map((i) => (i < v.length ? decodeValue({ kind: "string" }, v[i], path) : ""));
    }
    case "map": {
      if (typeof v !== "object" || Array.isArray(v)) return fail("map[string]");
      const out = Object.create(null) as Record<string, unknown>;
      for (const [k, e] of Object.entries(v)) out[k] = decodeValue(type.elem, e, path);
      return out;
    }
    case "struct":
      return typeof v === "object" && !Array.isArray(v) ? decodeStruct(type, v as Record<string, unknown>, path) : fail(type.name);
  }
}

function decodeStruct(type: AnyStructType, obj: Record<string, unknown>, path: string): Record<string, unknown> {
  const fields = type.fields();
  const out = zeroValue(type) as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    // Go: exact name first, then a case-insensitive match.
    const field = fields.find(([n]) => n === key) ?? fields.find(([n]) => n.toLowerCase() === key.toLowerCase());
    if (!field) throw new DecodeError(`parsing request: json: unknown field ${JSON.stringify(key)}`);
    const [name, ft] = field;
    out[name] = decodeValue(ft, obj[key], path ? `${path}.${name}` : `${type.name}.${name}`);
  }
  return out;
}

function parseTime(s: string, path: string): Date {
  const m = rfc3339.exec(s);
  const ms = m ? Date.parse(s) : NaN;
  if (!m || Number.isNaN(ms) || Number(m[2]) > 12 || Number(m[3]) > 31 || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) {
    throw new DecodeError(`parsing request: ${path || "time"}: parsing time ${JSON.stringify(s)} as RFC 3339`);
  }
  return new Date(ms);
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v === "object" ? "object" : typeof v;
}
