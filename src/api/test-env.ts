// Test-only: the webapi on a fresh test database (PGlite, or PostgreSQL when TEST_DATABASE_URL
// is set) with the real store, event log, auth limiter and delivery service (not started, so
// submissions stay queued), accounts like mox's testdata/webapisrv, and helpers to call it
// through app.request() or over real HTTP. Not used by the module itself.
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import type { Hono } from "hono";
import { openTestDb, type TestDb } from "../../test/helpers/db.js";
import { createAuthLimiter, hashPassword, type AuthLimiter } from "../auth/index.js";
import { manualClock } from "../clock/index.js";
import { schema } from "../db/index.js";
import { createDelivery, type Delivery, type DeliveryDeps } from "../delivery/index.js";
import { createStaticResolver } from "../dns/index.js";
import { createEventLog, type EventLog } from "../events/index.js";
import { silentLogger } from "../log/index.js";
import { parseMessage } from "../message/index.js";
import { ensureAccount, ensureDomain, insertMessage, type MailboxRole } from "../store/index.js";
import { createApi } from "./app.js";
import type { ApiDeps } from "./deps.js";

/** mox's test password: NFD and odd Unicode spaces; {@link pw1} is its PRECIS form. */
export const pw0 = "te\u0301st \u00a0\u2002\u200a";
export const pw1 = "tést    ";

/** A running test environment. */
export type ApiEnv = {
  t: TestDb;
  app: Hono;
  deps: ApiDeps;
  eventLog: EventLog;
  /** The real delivery service, not started: submissions stay queued. */
  delivery: Delivery;
  limiter: AuthLimiter;
  clock: ReturnType<typeof manualClock>;
  mjl: number;
  other: number;
  /** POSTs `request` (urlencoded) as `user`; returns status, headers and body text. */
  post(method: string, request: unknown, o?: PostOptions): Promise<Res>;
  /** Any request through app.request() from 127.0.0.1. */
  fetch(path: string, init?: RequestInit, ip?: string): Promise<Response>;
  /** Stores a received message for an account (parsed like inbound does) with its incoming event. */
  seed(accountId: number, raw: string | Buffer, o?: { mailbox?: MailboxRole; rcptTo?: string; mailFrom?: string }): Promise<number>;
  close(): Promise<void>;
};

export type PostOptions = { user?: string; password?: string; headers?: Record<string, string>; ip?: string };
// `any` keeps test assertions on response JSON short; this module is test-only.
export type Res = { status: number; headers: Headers; text: string; json: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Basic credentials header value. */
export function basic(user: string, password: string): string {
  return "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
}

/** Starts the environment; `over` replaces deps (e.g. trustForwarded), `delivery` delivery's. */
export async function startApiEnv(over: Partial<ApiDeps> = {}, o: { delivery?: Partial<DeliveryDeps> } = {}): Promise<ApiEnv> {
  const t = await openTestDb();
  const log = silentLogger();
  const clock = manualClock(Date.now());
  const eventLog = await createEventLog({ database: t.database, log });
  const [hash, otherHash] = await Promise.all([hashPassword(pw0), hashPassword("otherpw")]);
  const ids = await t.database.db.transaction(async (tx) => {
    await ensureDomain(tx, { name: "mox.example" });
    await ensureDomain(tx, { name: "disabled.example", disabled: true });
    await ensureDomain(tx, { name: "other.example" });
    const mjl = await ensureAccount(tx, {
      name: "mjl",
      fullName: "mjl ☺",
      passwordHash: hash,
      addresses: ["mjl@mox.example", "mjl@disabled.example"],
      settings: { fromIdLoginAddresses: ["mjl+fromid@mox.example"] },
    });
    const other = await ensureAccount(tx, { name: "other", passwordHash: otherHash, addresses: ["other@other.example"] });
    const nologin = await ensureAccount(tx, { name: "nologin", passwordHash: hash, addresses: ["nologin@mox.example"] });
    // store has no setter for LoginDisabled yet; the test sets the column directly.
    await tx.update(schema.accounts).set({ loginDisabled: true }).where(eq(schema.accounts.id, nologin.id));
    return { mjl: mjl.id, other: other.id };
  });
  const delivery = createDelivery({
    database: t.database,
    log,
    clock,
    eventLog,
    resolver: createStaticResolver({}),
    hostname: "mox.example",
    timeScale: 1,
    concurrency: 1,
    ...o.delivery,
  });
  const limiter = createAuthLimiter(clock);
  const deps: ApiDeps = {
    database: t.database,
    log,
    clock,
    eventLog,
    delivery,
    limiter,
    hostname: "mox.example",
    maxRequestSize: 110100480,
    version: "0.1.0-test",
    ...over,
  };
  const app = createApi(deps);
  const env = { incoming: { socket: { remoteAddress: "127.0.0.1" } } };
  const fetch = (path: string, init?: RequestInit, ip?: string): Promise<Response> =>
    Promise.resolve(app.request(`http://localhost${path}`, init, ip ? { incoming: { socket: { remoteAddress: ip } } } : env));
  return {
    t,
    app,
    deps,
    eventLog,
    delivery,
    limiter,
    clock,
    ...ids,
    fetch,
    async post(method, request, o = {}) {
      const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded", ...o.headers };
      if (o.user !== undefined || o.password !== undefined) headers.Authorization = basic(o.user ?? "mjl@mox.example", o.password ?? pw0);
      const body = new URLSearchParams({ request: typeof request === "string" ? request : JSON.stringify(request) }).toString();
      return toRes(await fetch(`/webapi/v0/${method}`, { method: "POST", headers, body }, o.ip));
    },
    async seed(accountId, raw, o = {}) {
      const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
      const parsed = await parseMessage(bytes);
      const rcptTo = o.rcptTo ?? "mjl@mox.example";
      const id = await t.database.db.transaction(async (tx) => {
        const stored = await insertMessage(tx, {
          accountId,
          mailbox: { role: o.mailbox ?? "inbox" },
          raw: bytes,
          envelope: { mailFrom: o.mailFrom ?? "remote@example.org", rcptTo, remoteIp: "192.0.2.1", helo: "client.example", tls: false, authUser: null, listener: "mx" },
          msgFrom: parsed.ok ? (parsed.From[0]?.Address ?? "") : "",
          subject: parsed.ok ? parsed.Subject : "",
          messageIdHeader: parsed.ok ? parsed.MessageID : "",
          parsed: parsed.ok ? (parsed as unknown as Record<string, unknown>) : null,
          isDsn: parsed.ok && parsed.Structure.ContentType === "multipart/report",
        });
        await eventLog.append(tx, { accountId, kind: "incoming", address: rcptTo, messageId: stored.id, payload: "{}" });
        return stored.id;
      });
      eventLog.committed(accountId);
      return id;
    },
    async close() {
      await delivery.stop();
      await eventLog.close();
      await t.cleanup();
    },
  };
}

/** Reads a response into status, headers, text and (when JSON) the parsed body. */
export async function toRes(r: Response): Promise<Res> {
  const text = await r.text();
  let json: unknown = undefined;
  if ((r.headers.get("content-type") ?? "").startsWith("application/json")) json = JSON.parse(text);
  return { status: r.status, headers: r.headers, text, json };
}

/** Serves the app on 127.0.0.1 with a free port, like app/ does with @hono/node-server. */
export async function listen(app: Hono): Promise<{ url: string; port: number; server: ServerType; close(): Promise<void> }> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", () => resolve())));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
