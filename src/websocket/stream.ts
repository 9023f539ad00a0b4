import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import type { AuthLimiter } from "../auth/index.js";
import type { Clock } from "../clock/index.js";
import type { Database } from "../db/index.js";
import { encodeCursor, startCursor, type EventLog } from "../events/index.js";
import { EventStreamError } from "./errors.js";
import { errorFrame, listeningFrame } from "./frame.js";
import { authenticateUpgrade, resolveSubscription, type Principal, type RequestScheme, type Subscription } from "./handshake.js";
import { createHub, type HubStats } from "./hub.js";
import { createPushGate } from "./push-gate.js";
import { createConnectionLimits, defaultLimits, type EventStreamLimits } from "./limits.js";
import { storeLogin, type ResolveLogin } from "./login.js";
import type { Subscriber } from "./subscriber.js";
import { normalizeIp } from "./tokens.js";

/** What {@link createEventStream} needs. */
export type EventStreamDeps = {
  database: Database;
  eventLog: EventLog;
  log: Logger;
  clock: Clock;
  /** The failed-auth limiter shared with SMTP AUTH and the webapi. */
  limiter: AuthLimiter;
  /** Basic-auth check; default: any address of the account against its password hash. */
  resolveLogin?: ResolveLogin;
  /** Behind a reverse proxy: client IP from the rightmost X-Forwarded-For entry. */
  trustForwarded?: boolean;
  /** Upgrade path; default `/webapi/v0/events`. */
  path?: string;
  limits?: Partial<EventStreamLimits>;
};

/** Counters of a running stream. */
export type EventStreamStats = HubStats & { connections: number; refused: Record<string, number> };

/** The WebSocket event stream of one process. */
export type EventStream = {
  /**
   * Handles an HTTP `upgrade` event if its path is the stream's; returns false (touching
   * nothing) for other paths so another handler may take them.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Listens to a server's `upgrade` events (404 for other paths when nobody else listens); returns a detach function. */
  attach(server: HttpServer | HttpsServer): () => void;
  stats(): EventStreamStats;
  /** Closes every subscriber with 1001 and stops reading; resolves when the sockets are gone. */
  close(): Promise<void>;
};

const reasons: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable" };

/**
 * Creates the stream: authenticates upgrades (token or basic auth, Origin rules, the shared
 * failed-auth limiter, per-IP/account caps), then hands each socket to the hub that replays
 * from `since` and fans out live events read from the log after commit.
 */
export function createEventStream(deps: EventStreamDeps): EventStream {
  const l: EventStreamLimits = { ...defaultLimits, ...deps.limits };
  const path = deps.path ?? "/webapi/v0/events";
  const log = deps.log;
  const db = deps.database.db;
  const authDeps = { db, clock: deps.clock, limiter: deps.limiter, resolveLogin: deps.resolveLogin ?? storeLogin(db) };
  const wss = new WebSocketServer({ noServer: true, maxPayload: l.maxPayload, perMessageDeflate: false, clientTracking: false });
  const limits = createConnectionLimits(l, deps.clock);
  const subs = new Set<Subscriber>();
  const refused: Record<string, number> = {};
  const detachers = new Set<() => void>();
  let nextId = 1;
  let closing = false;

  const pushGate = createPushGate({ db, clock: deps.clock, log });
  const hub = createHub(
    { database: deps.database, eventLog: deps.eventLog, log, pushGate, onSlowConsumer: (s) => closeWith(s, 1013, "slow consumer: reconnect with since=<last Cursor>") },
    { pageSize: l.pageSize, maxBufferedBytes: l.maxBufferedBytes, idleFeedMs: l.idleFeedMs, settlePollMs: l.settlePollMs },
  );

  const heartbeat = setInterval(() => {
    for (const s of subs) {
      if (!s.alive) {
        s.ws.terminate(); // no pong since the last ping: a dead peer
        continue;
      }
      s.alive = false;
      s.ws.ping();
    }
  }, l.heartbeatMs);
  heartbeat.unref();

  function closeWith(s: Subscriber, code: number, reason: string): void {
    s.closed = true;
    s.ws.close(code, reason.slice(0, 120));
    // A stalled peer never reads the close frame queued behind its backlog: destroy it then.
    setTimeout(() => s.ws.terminate(), l.closeGraceMs).unref();
  }

  function refuse(socket: Duplex, err: unknown): void {
    const e = err instanceof EventStreamError ? err : null;
    if (!e) log.error({ err }, "event stream upgrade failed");
    const status = e?.status ?? 500;
    refused[status] = (refused[status] ?? 0) + 1;
    const body = `${status} - ${e?.message ?? "internal server error"}\n`;
    const extra = status === 401 ? 'WWW-Authenticate: Basic realm="webapi"\r\n' : "";
    if (!socket.destroyed) {
      socket.end(
        `HTTP/1.1 ${status} ${reasons[status] ?? "Error"}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
          `${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
  }

  function clientIp(req: IncomingMessage, socket: Duplex): string {
    if (deps.trustForwarded) {
      const last = String(req.headers["x-forwarded-for"] ?? "").split(",").pop()?.trim() ?? "";
      if (isIP(last)) return normalizeIp(last);
    }
    return normalizeIp((socket as { remoteAddress?: string }).remoteAddress ?? "");
  }

  // Behind a trusted proxy the scheme the client used is X-Forwarded-Proto's (its last value).
  function requestScheme(req: IncomingMessage, socket: Duplex): RequestScheme {
    if (deps.trustForwarded) {
      const proto = String(req.headers["x-forwarded-proto"] ?? "").split(",").pop()?.trim().toLowerCase();
      if (proto === "https" || proto === "http") return proto;
    }
    return (socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  }

  async function accept(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    socket.on("error", () => socket.destroy()); // a reset during the handshake is not our error
    const timer = setTimeout(() => socket.destroy(), l.handshakeTimeoutMs);
    try {
      if (closing) throw new EventStreamError("unavailable", "shutting down");
      const ip = clientIp(req, socket);
      socket.once("close", limits.admit(ip)); // slots are held until the socket is gone
      const principal = await authenticateUpgrade(authDeps, req, url, ip, requestScheme(req, socket));
      socket.once("close", limits.admitAccount(principal.accountId));
      const sub = await resolveSubscription(db, principal, url, new Date(deps.clock.now())).catch((err: unknown) => {
        if (err instanceof EventStreamError) return err; // told in a frame: browsers see no HTTP status
        throw err;
      });
      clearTimeout(timer);
      if (socket.destroyed || closing) return void socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => connected(ws, ip, principal, sub));
    } catch (err) {
      clearTimeout(timer);
      refuse(socket, err);
    }
  }

  function connected(ws: WebSocket, ip: string, p: Principal, sub: Subscription | EventStreamError): void {
    let gone!: () => void;
    const s: Subscriber = {
      id: nextId++,
      accountId: p.accountId,
      ws,
      filter: sub instanceof EventStreamError ? { kinds: null, addresses: [] } : sub.filter,
      ip,
      cursor: startCursor,
      live: false,
      closed: false,
      alive: true,
      backfillThrough: sub instanceof EventStreamError ? null : sub.backfillThrough,
      include: sub instanceof EventStreamError ? null : sub.include,
      gone: new Promise<void>((r) => (gone = r)),
      lastWrite: null,
    };
    subs.add(s);
    ws.on("pong", () => (s.alive = true));
    // The stream takes no data frames (pings and pongs are control frames): the first one closes it.
    ws.on("message", () => {
      if (!s.closed) closeWith(s, 1008, "this stream takes no messages");
    });
    ws.on("error", (err) => log.debug({ err, ip }, "event stream socket error"));
    ws.on("close", () => {
      subs.delete(s);
      hub.detach(s);
      gone();
    });
    if (sub instanceof EventStreamError) {
      refused[`frame${sub.status}`] = (refused[`frame${sub.status}`] ?? 0) + 1;
      ws.send(errorFrame(sub.status, sub.message));
      return closeWith(s, 1008, sub.message);
    }
    log.debug({ ip, accountId: p.accountId, token: p.token !== null }, "event stream connected");
    hub
      .attach(s, sub.since, (start) => ws.send(listeningFrame(sub.addresses, encodeCursor(start))))
      .catch((err: unknown) => {
        log.warn({ err, accountId: p.accountId }, "event stream replay failed");
        if (!s.closed) closeWith(s, 1011, "internal error, reconnect with since=<last Cursor>");
      });
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      return false;
    }
    if (url.pathname !== path) return false;
    void accept(req, socket, head, url);
    return true;
  }

  return {
    handleUpgrade,
    attach(server) {
      const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (handleUpgrade(req, socket, head) || server.listenerCount("upgrade") > 1) return;
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      };
      server.on("upgrade", onUpgrade);
      const detach = () => void server.off("upgrade", onUpgrade);
      detachers.add(detach);
      return detach;
    },
    stats() {
      return { ...hub.stats(), connections: subs.size, refused: { ...refused } };
    },
    async close() {
      closing = true;
      clearInterval(heartbeat);
      for (const d of detachers) d();
      hub.close();
      const all = [...subs];
      for (const s of all) if (!s.closed) closeWith(s, 1001, "server shutting down");
      await Promise.race([Promise.all(all.map((s) => s.gone)), new Promise((r) => setTimeout(r, l.closeGraceMs + 100).unref())]);
      for (const s of subs) s.ws.terminate();
      wss.close();
    },
  };
}
