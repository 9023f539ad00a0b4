import { timingSafeEqual } from "node:crypto";
import { serve, type ServerType } from "@hono/node-server";
import type { Metrics } from "../metrics/index.js";

/** Readiness of the process: each check true when it passes. */
export type Readiness = { ready: boolean; checks: { database: boolean; migrations: boolean; listeners: boolean }; error?: string };

/** What the operations endpoints need. */
export type OpsDeps = {
  metrics: Metrics;
  readiness(): Promise<Readiness>;
  /** Bearer token required on /metrics; empty: none. */
  token: string;
};

/** A fetch handler for /metrics, /healthz and /readyz; null for any other path. */
export type OpsHandler = (req: Request) => Promise<Response> | null;

const text = (status: number, body: string) => new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });

/**
 * The operations endpoints: `/healthz` answers 200 while the process runs; `/readyz` 200 when
 * the database answers with current migrations and the listeners are bound (503 otherwise,
 * e.g. during shutdown), with the checks as JSON; `/metrics` the Prometheus exposition, behind
 * a bearer token when one is configured. GET and HEAD only.
 */
export function createOpsHandler(deps: OpsDeps): OpsHandler {
  const expected = Buffer.from(`Bearer ${deps.token}`);
  const authorized = (req: Request) => {
    if (!deps.token) return true;
    const got = Buffer.from(req.headers.get("authorization") ?? "");
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  return (req) => {
    const path = new URL(req.url).pathname;
    if (path !== "/metrics" && path !== "/healthz" && path !== "/readyz") return null;
    return (async () => {
      if (req.method !== "GET" && req.method !== "HEAD") return text(405, "method not allowed\n");
      if (path === "/healthz") return text(200, "ok\n");
      if (path === "/readyz") {
        const r = await deps.readiness();
        return new Response(JSON.stringify(r) + "\n", { status: r.ready ? 200 : 503, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
      }
      if (!deps.metrics.enabled) return text(404, "metrics are disabled (metrics.enabled)\n");
      if (!authorized(req)) return new Response("unauthorized\n", { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="metrics"' } });
      const m = await deps.metrics.render();
      return new Response(m.body, { status: 200, headers: { "Content-Type": m.contentType, "Cache-Control": "no-store" } });
    })();
  };
}

/** A listener of its own for the operations endpoints (config `metrics.listener`). */
export async function startOpsListener(handler: OpsHandler, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: (req) => handler(req) ?? text(404, "not found\n"), hostname: host, port }, () => resolve(s));
    s.once("error", reject);
  });
  const http = server as import("node:http").Server;
  const addr = http.address();
  return {
    port: typeof addr === "object" && addr ? addr.port : port,
    async close() {
      http.closeIdleConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
