// Local receivers that record when each bench message shows up: an HTTP webhook receiver (fast or
// deliberately slow) and a WebSocket subscriber on /webapi/v0/events. Times are performance.now(),
// the same clock the SMTP client stamps the final dot with.
import { createServer, type Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import { nonceOf } from "./smtp-client.js";
import { AUTH } from "./postwire.js";

/** What a receiver has seen: first arrival per nonce, plus counts. */
export interface Arrivals {
  /** nonce → first arrival time (ms, performance.now()) of an incoming or `delivered` payload. */
  at: Map<string, number>;
  /** All requests/frames, including retries and non-bench ones. */
  total: number;
  /** Kind → count, from the payload's `Event` (outgoing) or "incoming". */
  kinds: Map<string, number>;
  /** Arrival times of every request/frame, for rates over a window. */
  times: number[];
}

function newArrivals(): Arrivals {
  return { at: new Map(), total: 0, kinds: new Map(), times: [] };
}

function record(a: Arrivals, payload: unknown, t: number): void {
  a.total++;
  a.times.push(t);
  const p = (payload ?? {}) as Record<string, unknown>;
  const kind = typeof p.Event === "string" ? p.Event : "incoming";
  a.kinds.set(kind, (a.kinds.get(kind) ?? 0) + 1);
  // Only the arrival that means success is stamped: an incoming message, or `delivered`.
  if (kind !== "incoming" && kind !== "delivered") return;
  const n = nonceOf(p.Subject) ?? nonceOf(p.MessageID);
  if (n && !a.at.has(n)) a.at.set(n, t);
}

/** A webhook receiver on 127.0.0.1. */
export interface WebhookReceiver {
  url: string;
  arrivals: Arrivals;
  /** Holds every answer from now on (the sender's POST slots fill and its backlog grows). */
  hold(): void;
  /** Sends the held answers and answers at once again; returns performance.now() of the release. */
  release(): number;
  close(): Promise<void>;
}

/**
 * Starts an HTTP receiver answering 200. With `delayMs` it holds each answer that long (a slow
 * app); arrival is stamped when the request body is complete, before the delay. Between `hold()`
 * and `release()` answers wait (arrivals are still stamped when they come).
 */
export async function startWebhookReceiver(delayMs = 0): Promise<WebhookReceiver> {
  const arrivals = newArrivals();
  let held: (() => void)[] | null = null;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const t = performance.now();
      let body: unknown;
      try { body = JSON.parse(Buffer.concat(chunks).toString()); } catch { body = undefined; }
      record(arrivals, body, t);
      const answer = () => { res.writeHead(200, { "content-type": "text/plain" }); res.end("ok"); };
      if (held) held.push(answer);
      else if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    hold: () => { held ??= []; },
    release: () => {
      const t = performance.now();
      const answers = held ?? [];
      held = null;
      for (const a of answers) a();
      return t;
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A WebSocket subscriber to Postwire's event stream. */
export interface WsSubscriber { arrivals: Arrivals; ws: WebSocket; close(): void }

// TODO(bench): if the server wants an explicit subscribe frame or query (addresses, kinds), set it
// here; the issue says frames are `{Cursor, Kind, Event, Payload}` and basic auth suffices.
const SUBSCRIBE_QUERY = "";

/** Opens one authenticated subscriber; resolves once open, rejects on error or non-101 answer. */
export async function openSubscriber(wsUrl: string, timeoutMs = 10_000, localAddress?: string): Promise<WsSubscriber> {
  const arrivals = newArrivals();
  const ws = new WebSocket(wsUrl + SUBSCRIBE_QUERY, { headers: { authorization: AUTH }, perMessageDeflate: false, localAddress });
  ws.on("message", (data) => {
    const t = performance.now();
    let f: Record<string, unknown> | undefined;
    try { f = JSON.parse(String(data)) as Record<string, unknown>; } catch { return; }
    if (f.Payload === undefined) return; // control frames, e.g. {"status":200,"msg":"Listening",...}
    record(arrivals, f.Payload, t);
  });
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error("websocket open timed out")), timeoutMs);
    ws.once("open", () => { clearTimeout(timer); res(); });
    ws.once("unexpected-response", (_q, r) => { clearTimeout(timer); rej(new Error(`websocket upgrade answered ${r.statusCode}`)); });
    ws.once("error", (e) => { clearTimeout(timer); rej(e); });
  });
  return { arrivals, ws, close: () => ws.terminate() };
}

/** Waits until `want` nonces have arrived or `quietMs` passed without a new arrival. */
export async function waitArrivals(a: Arrivals, want: number, quietMs = 3000, maxMs = 60_000): Promise<void> {
  const t0 = performance.now();
  let last = a.at.size, lastChange = performance.now();
  while (a.at.size < want && performance.now() - t0 < maxMs) {
    await sleep(20);
    if (a.at.size !== last) { last = a.at.size; lastChange = performance.now(); }
    else if (performance.now() - lastChange > quietMs) break;
  }
}
