// Starts Postwire `localserve` on loopback with throwaway data (a temp dir for PGlite, a throwaway
// database for PostgreSQL), waits for its SMTP 220 banner, and gives workloads its ports, RSS and
// a webapi client. When it cannot start, throws NotAvailable and remembers the reason per backend.
import { existsSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { freePort, groupRss, startChild, waitSmtp, type Child } from "./proc.js";
import { createThrowawayDb, pgInfo } from "./pg.js";
import { NotAvailable, type Backend, type BenchContext } from "./types.js";

/** Credentials of localserve's account (the same as mox localserve's). */
export const ACCOUNT = { user: "mox@localhost", password: "moxmoxmox" };
/** `Authorization` header value for webapi and WebSocket. */
export const AUTH = "Basic " + Buffer.from(`${ACCOUNT.user}:${ACCOUNT.password}`).toString("base64");

/** Options for one localserve instance. */
export interface PostwireOptions {
  backend: Backend;
  /** Reuse this data dir (PGlite) or database URL (PG) instead of a fresh one. */
  dir?: string;
  dbUrl?: string;
  timeScale?: number;
  incomingWebhook?: string;
  outgoingWebhook?: string;
  readyTimeoutMs?: number;
  /** Extra localserve flags for this instance (e.g. `--no-metrics`). */
  args?: string[];
}

/** A running localserve. */
export interface Postwire {
  backend: Backend;
  smtpPort: number;
  httpPort: number;
  dir: string;
  dbUrl?: string;
  /** Milliseconds from spawn to the first 220 greeting. */
  readyMs: number;
  child: Child;
  rss(): number;
  /** POSTs a webapi method (form field `request`); resolves with status and parsed body. */
  api(method: string, request: unknown): Promise<{ status: number; body: unknown }>;
  wsUrl: string;
  stop(): Promise<void>;
}

const unavailable = new Map<Backend, string>();

/** Why Postwire on `backend` is known not to start in this run, if it is. */
export function postwireUnavailable(backend: Backend): string | undefined {
  return unavailable.get(backend);
}

/** Starts localserve; throws NotAvailable (and remembers why) if it does not become ready. */
export async function startPostwire(ctx: BenchContext, o: PostwireOptions): Promise<Postwire> {
  const known = unavailable.get(o.backend);
  if (known) throw new NotAvailable(known);
  // BENCH_POSTWIRE_BIN runs another entry point with the same CLI (e.g. a built dist/).
  const bin = process.env.BENCH_POSTWIRE_BIN ?? join(ctx.root, "bin", "postwire.js");
  if (!process.env.BENCH_POSTWIRE_BIN && !existsSync(join(ctx.root, "src", "main.ts"))) return fail(o.backend, "src/main.ts does not exist yet");
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  let dbUrl = o.dbUrl;
  if (o.backend === "pg") {
    const info = pgInfo();
    if (!info.ok) return fail(o.backend, info.reason);
    dbUrl ??= createThrowawayDb("ls").url;
    env.DATABASE_URL = dbUrl;
  }
  const dir = o.dir ?? mkdtempSync(join(ctx.tmp, `ls-${o.backend}-`));
  const [smtpPort, httpPort] = [await freePort(), await freePort()];
  const args = [...profileArgs(ctx), bin, "localserve", "--dir", dir, "--smtp-port", String(smtpPort),
    "--submission-port", "0", "--submissions-port", "0", "--http-port", String(httpPort)];
  if (o.timeScale) args.push("--time-scale", String(o.timeScale));
  if (o.incomingWebhook) args.push("--incoming-webhook", o.incomingWebhook);
  if (o.outgoingWebhook) args.push("--outgoing-webhook", o.outgoingWebhook);
  args.push(...(o.args ?? []));
  // Extra flags for every localserve start, e.g. BENCH_LOCALSERVE_ARGS="--log-level warn".
  args.push(...(process.env.BENCH_LOCALSERVE_ARGS ?? "").split(/\s+/).filter(Boolean));
  const t0 = performance.now();
  const child = startChild(`postwire-${o.backend}`, process.execPath, args, { env, cwd: ctx.root });
  try {
    await waitSmtp(smtpPort, o.readyTimeoutMs ?? 90_000, () => child.proc.exitCode === null && child.proc.signalCode === null);
  } catch (e) {
    await child.stop();
    const last = child.tail().trim().split("\n").filter(Boolean).slice(-2).join(" | ");
    return fail(o.backend, `localserve did not start (${(e as Error).message})${last ? `: ${last}` : ""}`);
  }
  const readyMs = performance.now() - t0;
  return {
    backend: o.backend, smtpPort, httpPort, dir, dbUrl, readyMs, child,
    rss: () => groupRss(child.pid),
    wsUrl: `ws://127.0.0.1:${httpPort}/webapi/v0/events`,
    stop: child.stop,
    api: webapiClient(httpPort, AUTH),
  };
}

function fail(backend: Backend, why: string): never {
  unavailable.set(backend, why);
  throw new NotAvailable(why);
}

/** A webapi caller for one server: POSTs a method (form field `request`); status and parsed body. */
export function webapiClient(httpPort: number, authorization: string): Postwire["api"] {
  const base = `http://127.0.0.1:${httpPort}/webapi/v0/`;
  return async (method, request) => {
    const r = await fetch(base + method, {
      method: "POST",
      headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: JSON.stringify(request) }).toString(),
    });
    const text = await r.text();
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* raw or HTML answer */ }
    return { status: r.status, body };
  };
}

/** node flags that write a CPU profile of a Postwire process when the run asked for --profile. */
export function profileArgs(ctx: BenchContext): string[] {
  return ctx.profile ? ["--cpu-prof", "--cpu-prof-dir", join(ctx.root, "bench", "results", "profiles")] : [];
}
