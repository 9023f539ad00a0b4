/**
 * Wire types: small descriptors of the request and response JSON of each method, with Go's
 * semantics. One descriptor drives three things, so they cannot drift apart: strict request
 * decoding (decode.ts), response encoding with mox's key order and `[]`/`{}` for empty values
 * (encode.ts), and the zero-value examples on the form pages (example.ts).
 */

import { GO_ZERO_TIME_MS } from "../events/index.js";

// The phantom `__type` carries the TypeScript type a descriptor decodes to.
type Phantom<T> = { readonly __type?: T };

/** A JSON string (Go `string`). */
export type StringType = Phantom<string> & { readonly kind: "string" };
/** A JSON integer (Go `int`/`int64`); decoded to a safe integer. */
export type IntType = Phantom<number> & { readonly kind: "int" };
/** A JSON boolean. */
export type BoolType = Phantom<boolean> & { readonly kind: "bool" };
/** An RFC 3339 time string (Go `time.Time`); zero is `0001-01-01T00:00:00Z`. */
export type TimeType = Phantom<Date> & { readonly kind: "time" };
/** Any JSON value (Go `json.RawMessage`), passed through as parsed; `null` when absent. */
export type JsonType = Phantom<unknown> & { readonly kind: "json" };
/** A Go `[2]string` (a header name and value). */
export type PairType = Phantom<[string, string]> & { readonly kind: "pair" };
/** A Go struct: fields in declaration order (the JSON key order). */
export type StructType<T> = Phantom<T> & {
  readonly kind: "struct";
  /** Type name; a struct met again inside itself is left zero in examples (mox's FillExample). */
  readonly name: string;
  readonly fields: () => ReadonlyArray<readonly [string, AnyWireType]>;
};

/** A descriptor of any type (for walkers that do not care about `T`). */
export type AnyWireType =
  | StringType
  | IntType
  | BoolType
  | TimeType
  | { readonly kind: "nullable"; readonly elem: AnyWireType }
  | { readonly kind: "list"; readonly elem: AnyWireType }
  | { readonly kind: "map"; readonly elem: AnyWireType }
  | PairType
  | JsonType
  | { readonly kind: "struct"; readonly name: string; readonly fields: () => ReadonlyArray<readonly [string, AnyWireType]> };

/** The TypeScript type a descriptor decodes to. */
export type Infer<W> = W extends Phantom<infer T> ? Exclude<T, undefined> : never;

type FieldsOf<F> = { -readonly [K in keyof F]: Infer<F[K]> };

/** Descriptor constructors, named after the Go types they mirror. */
export const t = {
  string: { kind: "string" } as StringType,
  int: { kind: "int" } as IntType,
  bool: { kind: "bool" } as BoolType,
  time: { kind: "time" } as TimeType,
  pair: { kind: "pair" } as PairType,
  json: { kind: "json" } as JsonType,
  nullable<E extends AnyWireType>(elem: E): Phantom<Infer<E> | null> & { readonly kind: "nullable"; readonly elem: E } {
    return { kind: "nullable", elem };
  },
  list<E extends AnyWireType>(elem: E): Phantom<Infer<E>[]> & { readonly kind: "list"; readonly elem: E } {
    return { kind: "list", elem };
  },
  map<E extends AnyWireType>(elem: E): Phantom<Record<string, Infer<E>>> & { readonly kind: "map"; readonly elem: E } {
    return { kind: "map", elem };
  },
  /** A struct; pass a thunk for recursive types. Field order is the JSON key order. */
  struct<F extends Record<string, AnyWireType>>(
    name: string,
    fields: F | (() => F),
  ): Phantom<FieldsOf<F>> & { readonly kind: "struct"; readonly name: string; readonly fields: () => ReadonlyArray<readonly [string, AnyWireType]> } {
    let cached: ReadonlyArray<readonly [string, AnyWireType]> | null = null;
    return {
      kind: "struct",
      name,
      fields: () => (cached ??= Object.entries(typeof fields === "function" ? fields() : fields)),
    };
  },
} as const;

/** A struct descriptor of any type. */
export type AnyStructType = Extract<AnyWireType, { kind: "struct" }>;


/** True for Go's zero time (treated as "not given" where mox would use a nil pointer). */
export function isZeroTime(d: Date | null | undefined): boolean {
  return !d || d.getTime() === GO_ZERO_TIME_MS;
}
