import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import type { EventStream } from "../websocket/index.js";
import type { OpsHandler } from "./ops.js";

/**
 * The HTTP listener: the webapi (hono) plus the WebSocket upgrade for the event stream, and the
 * operations endpoints (/metrics, /healthz, /readyz) when `ops` is given.
 */
export async function startHttp(o: { app: Hono; stream: EventStream; host: string; port: number; ops?: OpsHandler }): Promise<{ port: number; close(o?: { deadline?: number }): Promise<void> }> {
  const ops = o.ops;
  const fetch = ops ? (req: Request, env: unknown) => ops(req) ?? o.app.fetch(req, env) : o.app.fetch;
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch, hostname: o.host, port: o.port }, () => resolve(s));
    s.once("error", reject);
  });
  // Slow-loris bodies and headers are cut; webapi long polls last up to 60 s.
  const http = server as import("node:http").Server;
  http.requestTimeout = 120_000;
  http.headersTimeout = 30_000;
  const detach = o.stream.attach(http);
  const addr = http.address();
  return {
    port: typeof addr === "object" && addr ? addr.port : o.port,
    /** Stops listening; requests under way (long polls) may run until `deadline`, then are cut. */
    async close(c: { deadline?: number } = {}) {
      detach();
      await o.stream.close();
      http.closeIdleConnections();
      await new Promise<void>((resolve) => {
        const t = c.deadline === undefined ? undefined : setTimeout(() => http.closeAllConnections(), Math.max(0, c.deadline - performance.now()));
        http.close(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
  };
}

/**
 * One app for the listener: `/webapi` and below go to the webapi, everything else to the web
 * interface when it is enabled (else the webapi answers its 404).
 */
export function routeHttp(api: Hono, ui: { fetch: Hono["fetch"] } | null): Hono {
  if (!ui) return api;
  const root = new Hono();
  const toApi = (c: { req: { raw: Request }; env: unknown }) => api.fetch(c.req.raw, c.env);
  root.all("/webapi", toApi);
  root.all("/webapi/*", toApi);
  root.all("*", (c) => ui.fetch(c.req.raw, c.env));
  return root;
}
