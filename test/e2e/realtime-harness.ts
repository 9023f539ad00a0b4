// Shared setup of the realtime tests: a real database (PGlite, or PostgreSQL with
// TEST_DATABASE_URL), the real event log, the event stream attached to a real HTTP server on
// port 0, accounts with passwords, events appended inside real transactions, and `ws` clients
// that record frames and close codes.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import WebSocket from "ws";
import { createAuthLimiter, hashPassword } from "../../src/auth/index.js";
import { systemClock, type Clock } from "../../src/clock/index.js";
import type { Database } from "../../src/db/index.js";
import { createEventLog, type EventKind, type EventLog } from "../../src/events/index.js";
import { ensureAccount, ensureDomain } from "../../src/store/index.js";
import { createEventMethods, createEventStream, type EventMethods, type EventStream, type EventStreamLimits } from "../../src/websocket/index.js";
import { openTestDb, type TestDb } from "../helpers/db.js";

export const silent = pino({ level: "silent" });
export const password = "correct horse battery";
let hashed: Promise<string> | null = null;

/** A running stream over a fresh test database. */
export type Realtime = {
  tdb: TestDb;
  database: Database;
  eventLog: EventLog;
  stream: EventStream;
  methods: EventMethods;
  server: Server;
  port: number;
  url(query?: string): string;
  stop(): Promise<void>;
};

/** Starts the stream on a fresh database (or on `database`/`eventLog` given, for a second instance). */
export async function startRealtime(
  o: { limits?: Partial<EventStreamLimits>; clock?: Clock; database?: Database; tdb?: TestDb; eventLog?: EventLog } = {},
): Promise<Realtime> {
  const tdb = o.tdb ?? (o.database ? null : await openTestDb());
  const database = o.database ?? tdb!.database;
  const clock = o.clock ?? systemClock;
  const eventLog = o.eventLog ?? (await createEventLog({ database, log: silent }));
  const stream = createEventStream({ database, eventLog, log: silent, clock, limiter: createAuthLimiter(clock), limits: o.limits });
  const server = createServer((_req, res) => res.writeHead(404).end());
  stream.attach(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    tdb: tdb!,
    database,
    eventLog,
    stream,
    methods: createEventMethods({ database, eventLog, clock }),
    server,
    port,
    url: (q = "") => `ws://127.0.0.1:${port}/webapi/v0/events${q ? `?${q}` : ""}`,
    async stop() {
      await stream.close();
      await new Promise((r) => server.close(r));
      if (!o.eventLog) await eventLog.close();
      if (tdb && !o.tdb) await tdb.cleanup();
    },
  };
}

/** Creates an account with a password on domain `d` and returns its id. */
export async function makeAccount(database: Database, name: string, addresses: string[]): Promise<number> {
  hashed ??= hashPassword(password);
  const passwordHash = await hashed;
  return database.db.transaction(async (tx) => {
    for (const a of addresses) await ensureDomain(tx, { name: a.slice(a.indexOf("@") + 1) });
    return (await ensureAccount(tx, { name, passwordHash, addresses })).id;
  });
}

/** Appends one event in its own transaction, then wakes readers (as inbound/delivery do). */
export async function appendEvent(eventLog: EventLog, database: Database, accountId: number, address: string, payload: string, kind: EventKind = "incoming"): Promise<void> {
  await database.db.transaction(async (tx) => {
    await eventLog.append(tx, { accountId, kind, address, payload });
  });
  eventLog.committed(accountId);
}

/** A payload like a webhook body, with a marker, a key order JSON.stringify would keep, and non-ASCII. */
export function payloadFor(n: number | string): string {
  return `{"Version":0,"From":[{"Name":"Zoë","Address":"a@example.org"}],"Subject":"n${n} \\u2028 ü","Meta":{"MsgID":${typeof n === "number" ? n : 0},"RcptTo":"x"}}`;
}

/** Basic auth header value. */
export function basic(user: string, pw = password): string {
  return `Basic ${Buffer.from(`${user}:${pw}`).toString("base64")}`;
}

/** A frame as received: its exact text and parsed value. */
export type Frame = { text: string; json: Record<string, unknown> };

/** A recording client. */
export type Client = {
  ws: WebSocket;
  frames: Frame[];
  /** Resolves with the HTTP status when the upgrade was refused. */
  refused: Promise<number>;
  closed: Promise<{ code: number; reason: string }>;
  /** Waits until at least n frames arrived (event frames count after the Listening frame). */
  waitFrames(n: number, timeoutMs?: number): Promise<Frame[]>;
  events(): Frame[];
};

/** Opens a client; `headers` may carry Authorization and Origin. */
export function connect(url: string, headers: Record<string, string> = {}): Client {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  ws.on("message", (d: Buffer) => {
    const text = d.toString("utf8");
    frames.push({ text, json: JSON.parse(text) as Record<string, unknown> });
    for (const w of waiters.splice(0)) w();
  });
  const refused = new Promise<number>((resolve) => ws.on("unexpected-response", (_req, res) => {
    resolve(res.statusCode ?? 0);
    res.resume();
    ws.terminate();
  }));
  ws.on("error", () => {}); // the close/refused promises report what happened
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of waiters.splice(0)) w();
    }),
  );
  return {
    ws,
    frames,
    refused,
    closed,
    async waitFrames(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (frames.length < n) {
        if (ws.readyState === WebSocket.CLOSED) throw new Error(`closed with ${frames.length}/${n} frames`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timeout with ${frames.length}/${n} frames`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => (clearTimeout(t), r()));
        });
      }
      return frames;
    },
    events: () => frames.filter((f) => "Cursor" in f.json),
  };
}

/** Resolves after ms. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
