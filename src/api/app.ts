/**
 * The hono app: routing and statuses of docs/contract.md §1.1, the POST pipeline of §1.2 (CSRF,
 * auth, body, strict JSON, method), safe headers on every response and the one error mapping.
 */
import { Hono, type Context } from "hono";
import { sniffContentType } from "../message/index.js";
import { authenticate } from "./auth.js";
import { defaultMaxFieldSize, readForm } from "./body.js";
import { isCrossSite } from "./csrf.js";
import { defaultMaxMessageSize, type ApiDeps } from "./deps.js";
import { encodeResponse } from "./encode.js";
import { HttpError } from "./errors.js";
import { checkScope } from "./scopes.js";
import { errorResponse } from "./error-response.js";
import { indexPage, methodPage } from "./pages.js";
import { createRegistry, type ApiMethod, type MethodRegistry } from "./registry.js";
import { builtinRoutes } from "./routes/index.js";
import { unsubscribeResponse } from "./unsubscribe.js";

const safeHeaders: Record<string, string> = {
  "X-Frame-Options": "deny",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'self' 'unsafe-inline' data:",
  "Referrer-Policy": "same-origin",
};

const html = { "Content-Type": "text/html; charset=utf-8" };

/**
 * Creates the webapi: a hono app answering under `deps.mountPath` (default `/webapi`), to be
 * served by @hono/node-server (client IPs come from its `incoming` binding) or mounted in a
 * larger app. Tests call `app.request()` directly.
 */
export function createApi(deps: ApiDeps): Hono {
  const registry = createRegistry([...builtinRoutes.flatMap((route) => route(deps)), ...(deps.methods ?? [])]);
  const base = (deps.mountPath ?? "/webapi").replace(/\/+$/, "");
  const log = deps.log.child({ module: "api" });
  const index = indexPage(registry.list(), deps.version);
  const pages = new Map(registry.list().map((m) => [m.name, methodPage(m)]));

  const app = new Hono();
  app.use("*", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(safeHeaders)) c.res.headers.set(k, v);
  });
  app.onError((err, c) => errorResponse(err, c, log));
  app.notFound((c) => text(c, 404, "404 page not found\n"));

  const dispatch = async (c: Context): Promise<Response> => {
    const path = new URL(c.req.url).pathname;
    if (hasDotSegment(c)) return text(c, 404, "404 page not found\n");
    if (path === base) return c.redirect(`${base}/`, 303);
    if (path === `${base}/`) {
      if (c.req.method !== "GET") return text(c, 405, "405 - method not allow\n");
      return c.redirect(`${base}/v0/`, 303);
    }
    if (path === `${base}/v0/`) return c.body(index, 200, html);
    const unsub = /^\/unsubscribe\/([^/]+)$/.exec(path.slice(base.length));
    if (unsub) return unsubscribeResponse(c, deps, unsub[1]!);
    if (!path.startsWith(`${base}/v0/`)) return text(c, 404, "404 page not found\n");
    // Exact, case-sensitive lookup in a Map: never an object property.
    const method = registry.get(path.slice(base.length + 4));
    if (!method) return text(c, 404, "404 page not found\n");
    if (c.req.method === "GET") return c.body(pages.get(method.name)!, 200, html);
    if (c.req.method !== "POST") return text(c, 405, "405 - method not allowed - use get or post\n");
    return call(c, method);
  };

  const call = async (c: Context, method: ApiMethod): Promise<Response> => {
    if (isCrossSite(c, deps.trustForwarded ?? false)) throw new HttpError(403, "403 - forbidden - cross-site request refused\n");
    const caller = await authenticate({ ...deps, trustForwarded: deps.trustForwarded ?? false }, c);
    checkScope(method.name, caller.scopes);
    const form = await readForm(c.req.raw, {
      maxRequestSize: deps.maxRequestSize,
      maxFieldSize: Math.min(defaultMaxFieldSize, deps.maxRequestSize),
      // Base64 makes uploads 4/3 larger in the message: more than 3/4 of the limit never fits.
      maxFileBytes: Math.floor(((deps.maxMessageSize ?? defaultMaxMessageSize) * 3) / 4),
    });
    const callLog = log.child({ method: method.name, account: caller.account.name });
    const result = await method.call(
      { ...caller, files: form.files, signal: c.req.raw.signal, log: callLog },
      form.request,
    );
    callLog.debug("webapi call ok");
    if ("json" in result) {
      return c.body(encodeResponse(method.response!, result.json), 200, { "Content-Type": "application/json; charset=utf-8" });
    }
    const { bytes, contentType } = result.bytes;
    return c.body(new Uint8Array(bytes), 200, { "Content-Type": contentType || sniffContentType(bytes) || "application/octet-stream" });
  };

  app.all(base, dispatch);
  app.all(`${base}/*`, dispatch);
  return app;
}

/** The registry a set of deps produces (docs and tests list the methods through it). */
export function apiMethods(deps: ApiDeps): MethodRegistry {
  return createRegistry([...builtinRoutes.flatMap((route) => route(deps)), ...(deps.methods ?? [])]);
}

function text(c: Context, status: 404 | 405, body: string): Response {
  return c.body(body, status, { "Content-Type": "text/plain; charset=utf-8" });
}

// The URL parser resolves `..` and `%2e%2e` before routing, so `/webapi/v0/%2e%2e/` would
// become `/webapi/`. The raw request line from @hono/node-server tells the truth: refuse it.
function hasDotSegment(c: Context): boolean {
  const raw = (c.env as { incoming?: { url?: string } } | undefined)?.incoming?.url ?? "";
  return /(^|\/)(\.|%2e){1,2}(\/|$|\?)/i.test(raw.split("?")[0]!);
}
