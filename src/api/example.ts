/**
 * Example JSON for the form pages, built from the wire types the way mox's FillExample does
 * (docs/contract.md §5): every field at its zero value, every list with one zero element, every map
 * as `{"example": zero}`, pointers allocated; a struct met again inside itself is left at Go's
 * zero value (its lists and maps `null`).
 */
import type { AnyWireType } from "./wire.js";

/** Tab-indented example JSON for a descriptor, with a trailing newline like Go's Encoder. */
export function exampleJson(type: AnyWireType): string {
  return JSON.stringify(fill(type, []), null, "\t") + "\n";
}

function fill(type: AnyWireType, path: readonly string[]): unknown {
  switch (type.kind) {
    case "string":
      return "";
    case "int":
      return 0;
    case "bool":
      return false;
    case "time":
      return "0001-01-01T00:00:00Z";
    case "pair":
      return ["", ""];
    case "json":
      return {};
    case "nullable":
      return fill(type.elem, path);
    case "list":
      return [fill(type.elem, path)];
    case "map":
      return { example: fill(type.elem, path) };
    case "struct": {
      if (path.includes(type.name)) return goZero(type);
      const out: Record<string, unknown> = {};
      for (const [name, ft] of type.fields()) out[name] = fill(ft, [...path, type.name]);
      return out;
    }
  }
}

// Go's zero value as json.Marshal prints it: nil slices, maps and pointers are null.
function goZero(type: AnyWireType): unknown {
  switch (type.kind) {
    case "string":
      return "";
    case "int":
      return 0;
    case "bool":
      return false;
    case "time":
      return "0001-01-01T00:00:00Z";
    case "pair":
      return ["", ""];
    case "json":
    case "nullable":
    case "list":
    case "map":
      return null;
    case "struct": {
      const out: Record<string, unknown> = {};
      for (const [name, ft] of type.fields()) out[name] = goZero(ft);
      return out;
    }
  }
}
