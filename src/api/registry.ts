/**
 * The method table. Each route file (`routes/<resource>.ts`) returns method definitions built
 * with {@link defineMethod}; {@link createRegistry} puts them in a `Map` keyed by the exact,
 * case-sensitive name. Dispatch is only ever `registry.get(name)`: a name that is not in the
 * map (`constructor`, `__proto__`, `send`, `../x`) is a 404, never an object property lookup.
 */
import type { Logger } from "pino";
import type { Account, AddressOwner } from "../store/index.js";
import { decodeRequest } from "./decode.js";
import type { AnyStructType, AnyWireType, Infer } from "./wire.js";

/** A file uploaded in a multipart/form-data request (Send's `alternativefile` and friends). */
export type UploadedFile = {
  /** Form field name, e.g. `attachedfile`. */
  field: string;
  /** The upload's file name ("" when none). */
  filename: string;
  /** The part's own Content-Type header ("" when absent). */
  contentType: string;
  /** The part's Content-ID header ("" when absent). */
  contentId: string;
  data: Buffer;
};

/** What a method handler knows about the call besides its decoded request. */
export type CallContext = {
  /** The authenticated account. */
  account: Account;
  /** The basic-auth user name exactly as given (it decides FromID use in Send). */
  loginAddress: string;
  /** The owner lookup of the canonical login address made at authentication, when there was one. */
  login?: { address: string; owner: AddressOwner };
  /** Files uploaded with a multipart/form-data request, in request order. */
  files: readonly UploadedFile[];
  /** Client IP used for rate limiting. */
  remoteIp: string;
  /** Aborted when the client goes away (long polls stop waiting). */
  signal: AbortSignal;
  log: Logger;
};

/** A non-JSON result: the bytes and their Content-Type ("" lets the API sniff one). */
export type BytesResult = { bytes: Buffer; contentType: string };

/** Marks a method whose success response is raw bytes instead of JSON. */
export const bytesResponse = { kind: "bytes" } as const;

/** The definition a route file writes for one method. */
export type MethodDefinition<Req extends AnyStructType, Res extends AnyWireType | typeof bytesResponse> = {
  /** Exact method name as it appears in the URL, e.g. `MessageGet`. */
  name: string;
  /** One line for the index page. */
  summary: string;
  /** Not one of mox's 12 methods (listed separately on the index page). */
  extension?: boolean;
  request: Req;
  response: Res;
  handle(call: CallContext, req: Infer<Req>): Promise<Res extends AnyWireType ? Infer<Res> : BytesResult>;
};

/** A method with its types erased, as the registry holds it. */
export type ApiMethod = {
  readonly name: string;
  readonly summary: string;
  readonly extension: boolean;
  readonly request: AnyStructType;
  /** The JSON response type, or null for a byte-returning method. */
  readonly response: AnyWireType | null;
  /** Decodes the `request` field strictly and runs the handler. */
  call(call: CallContext, requestJson: string): Promise<{ json: unknown } | { bytes: BytesResult }>;
};

/** Turns a typed definition into a registry entry. */
export function defineMethod<Req extends AnyStructType, Res extends AnyWireType | typeof bytesResponse>(
  def: MethodDefinition<Req, Res>,
): ApiMethod {
  const response = def.response.kind === "bytes" ? null : (def.response as AnyWireType);
  return {
    name: def.name,
    summary: def.summary,
    extension: def.extension ?? false,
    request: def.request,
    response,
    async call(call, requestJson) {
      const req = decodeRequest(def.request, requestJson);
      const result = await def.handle(call, req as Infer<Req>);
      return response ? { json: result } : { bytes: result as BytesResult };
    },
  };
}

/** The method table: exact names to methods. */
export type MethodRegistry = {
  get(name: string): ApiMethod | undefined;
  /** All methods, mox's first, each group sorted by name (the index page order). */
  list(): ApiMethod[];
};

const methodNameRe = /^[A-Z][A-Za-z0-9]{0,63}$/;

/**
 * Builds the table from route files' methods.
 * @throws Error on a duplicate or malformed name (a wiring mistake, found at startup).
 */
export function createRegistry(methods: readonly ApiMethod[]): MethodRegistry {
  const map = new Map<string, ApiMethod>();
  for (const m of methods) {
    if (!methodNameRe.test(m.name)) throw new Error(`webapi method name ${JSON.stringify(m.name)} is not a plain identifier`);
    if (map.has(m.name)) throw new Error(`webapi method ${m.name} registered twice`);
    map.set(m.name, m);
  }
  const sorted = [...map.values()].sort((a, b) => Number(a.extension) - Number(b.extension) || (a.name < b.name ? -1 : 1));
  return { get: (name) => map.get(name), list: () => [...sorted] };
}
