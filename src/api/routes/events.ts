/**
 * EventTokenCreate and EventList (Postwire extensions): a token for the WebSocket event stream
 * at `/webapi/v0/events` (browsers cannot send basic auth on a WebSocket), and cursor paging
 * over the same event log with the same filters, for clients that poll. The work is done by
 * websocket/, reached through the structural {@link EventMethodsApi} that `app/` injects (api
 * and websocket are peers and do not import each other); these methods are passed to the API
 * as `deps.methods`.
 */
import { ApiError } from "../errors.js";
import { bytesResponse, defineMethod, type ApiMethod } from "../registry.js";
import { t } from "../wire.js";

/** What websocket/'s `createEventMethods()` provides. */
export type EventMethodsApi = {
  createToken(
    accountId: number,
    req: { addresses: readonly string[]; kinds: readonly string[]; origin: string; sourceIp: string; validSeconds: number },
  ): Promise<{ token: string; expires: Date }>;
  /** The EventList response body. */
  listJson(accountId: number, req: { cursor: string; addresses: readonly string[]; kinds: readonly string[]; limit: number }): Promise<string>;
};

/** Options of {@link eventRoutes}. */
export type EventRouteOptions = {
  /**
   * Public base URL of the HTTP listener as clients reach it (`https://mail.example`); the
   * ConnectionURI is built on it (`wss://mail.example/webapi/v0/events?token=...`). Without it
   * the ConnectionURI is a path, which `new WebSocket()` resolves against the page's URL.
   */
  publicUrl?: string | (() => string | undefined);
  /** Where the API is mounted; default `/webapi`. */
  mountPath?: string;
};

/**
 * The ConnectionURI of a token: absolute on the public URL (`ws:`/`wss:`) when one is known
 * (read at each call: localserve knows its port only once it listens), else the path.
 */
export function connectionUri(o: EventRouteOptions): (token: string) => string {
  const path = `${(o.mountPath ?? "/webapi").replace(/\/+$/, "")}/v0/events`;
  return (token) => {
    const publicUrl = typeof o.publicUrl === "function" ? o.publicUrl() : o.publicUrl;
    const query = `?token=${encodeURIComponent(token)}`;
    if (!publicUrl) return `${path}${query}`;
    const base = new URL(path, publicUrl);
    base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    return `${base.href}${query}`;
  };
}

// Refusals of websocket/ (bad filter, foreign address, bad token options) are user errors.
async function userErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof Error && err.name === "EventStreamError") throw new ApiError("user", err.message, { cause: err });
    throw err;
  }
}

/** The two event methods over the injected implementation. */
export function eventRoutes(events: EventMethodsApi, o: EventRouteOptions = {}): ApiMethod[] {
  const uri = connectionUri(o);
  return [
    defineMethod({
      name: "EventTokenCreate",
      summary: "Creates a token for the WebSocket event stream (for browsers), bound to an Origin.",
      extension: true,
      request: t.struct("EventTokenCreateRequest", {
        Addresses: t.list(t.string),
        Kinds: t.list(t.string),
        Origin: t.string,
        SourceIP: t.string,
        ValidSeconds: t.int,
      }),
      response: t.struct("EventTokenCreateResult", { Token: t.string, ConnectionURI: t.string, Expires: t.time }),
      async handle(call, req) {
        const { token, expires } = await userErrors(
          events.createToken(call.account.id, {
            addresses: req.Addresses,
            kinds: req.Kinds,
            origin: req.Origin,
            sourceIp: req.SourceIP,
            validSeconds: req.ValidSeconds,
          }),
        );
        return { Token: token, ConnectionURI: uri(token), Expires: expires };
      },
    }),
    defineMethod({
      name: "EventList",
      summary: "Lists events after a cursor (the stream's frames, same filters), for polling clients.",
      extension: true,
      request: t.struct("EventListRequest", { Cursor: t.string, Addresses: t.list(t.string), Kinds: t.list(t.string), Limit: t.int }),
      response: bytesResponse,
      async handle(call, req) {
        const json = await userErrors(
          events.listJson(call.account.id, { cursor: req.Cursor, addresses: req.Addresses, kinds: req.Kinds, limit: req.Limit }),
        );
        return { bytes: Buffer.from(json), contentType: "application/json; charset=utf-8" };
      },
    }),
  ];
}
