// Shared setup of the push tests: a full Postwire (startTestApp) with its HTTP listener, webapi
// calls over real HTTP with basic auth, and `ws` clients recording frames.
import WebSocket from "ws";
import { testPassword } from "../helpers/app.js";

/** A webapi answer: status and parsed JSON. */
export type ApiAnswer = { status: number; json: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Calls a webapi method over HTTP as `user` (basic auth, form field `request`). */
export async function call(port: number, method: string, request: unknown, user = "alice@example.test"): Promise<ApiAnswer> {
  const res = await fetch(`http://127.0.0.1:${port}/webapi/v0/${method}`, {
    method: "POST",
    headers: { Authorization: `Basic ${Buffer.from(`${user}:${testPassword}`).toString("base64")}` },
    body: new URLSearchParams({ request: JSON.stringify(request) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Calls a method and fails unless it answered 200. */
export async function ok(port: number, method: string, request: unknown, user?: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await call(port, method, request, user);
  if (r.status !== 200) throw new Error(`${method}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** A recording stream client. */
export type PushClient = {
  ws: WebSocket;
  frames: Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Resolves with the upgrade's HTTP status when it was refused. */
  refused: Promise<number>;
  closed: Promise<number>;
  /** Frames of kind push. */
  pushes(): Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Waits until `pred` holds over the frames (checked on every frame). */
  until(pred: (c: PushClient) => boolean, what: string, timeoutMs?: number): Promise<void>;
};

/** Opens the ConnectionURI (plus extra query) with an Origin header. */
export function open(uri: string, origin: string | null, extra = ""): PushClient {
  const ws = new WebSocket(uri + extra, { headers: origin ? { Origin: origin } : {}, perMessageDeflate: false });
  const frames: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  ws.on("message", (d: Buffer) => {
    frames.push(JSON.parse(d.toString("utf8")) as Record<string, unknown>);
    for (const w of waiters) w();
  });
  ws.on("error", () => {});
  const refused = new Promise<number>((r) => ws.on("unexpected-response", (_q, res) => (r(res.statusCode ?? 0), res.resume())));
  const closed = new Promise<number>((r) => ws.on("close", (code) => (r(code), [...waiters].forEach((w) => w()))));
  const c: PushClient = {
    ws,
    frames,
    refused,
    closed,
    pushes: () => frames.filter((f) => f.Kind === "push"),
    until(pred, what, timeoutMs = 15_000) {
      if (pred(c)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => (waiters.delete(check), reject(new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(frames).slice(0, 600)}`))), timeoutMs);
        const check = () => {
          if (!pred(c)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
  };
  return c;
}

/** Waits until `fn` returns a truthy value (polling), for states written after a frame. */
export async function eventually<T>(fn: () => Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
