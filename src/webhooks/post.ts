/**
 * One webhook HTTP(S) POST attempt on node:http/https (not fetch: the connect-time address check
 * needs the `lookup` hook). Redirects are never followed, the whole exchange has one deadline
 * (connect, headers and a trickling body alike), at most `maxResponseBytes` of the response are
 * read before the socket is destroyed. Never throws: every outcome is a {@link PostResult}.
 */
import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import { DestinationRefusedError, InvalidWebhookUrlError } from "./errors.js";
import { parseRetryAfter } from "./retry-after.js";
import { signatureHeader, webhookTimestamp } from "./sign.js";
import type { DestinationGuard, WebhookTarget } from "./ssrf.js";

/** Default deadline of one attempt (Standard Webhooks suggests 15–30 s; mox uses 60 s). */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default cap on response bytes read (mox keeps 512 per attempt). */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024;

/** One delivery attempt to send. */
export interface WebhookRequest {
  readonly url: string;
  /** The payload exactly as composed when queued; signed and sent byte for byte. */
  readonly body: string | Uint8Array;
  /** Decimal hook id for `X-Mox-Webhook-ID` (mox; stable across retries). */
  readonly hookId: number | string;
  /** Standard Webhooks `webhook-id` (stable across retries and redeliveries). */
  readonly webhookId: string;
  /** 1-based attempt number for `X-Mox-Webhook-Attempt`. */
  readonly attempt: number;
  /** Sent verbatim as `Authorization` when set. */
  readonly authorization?: string;
  /** `whsec_` secrets; one signature each, newest first. No `webhook-signature` header when empty. */
  readonly secrets?: readonly string[];
  /** Ends the request at once when it aborts (shutdown after the grace period). */
  readonly signal?: AbortSignal;
}

/** Why an attempt failed. */
export type PostFailure = "invalid-request" | "refused" | "network" | "timeout" | "redirect" | "status";

/** Outcome of one attempt. */
export interface PostResult {
  /** True for any 2xx status with the response read in time. */
  readonly ok: boolean;
  /** HTTP status, 0 when no response head arrived. */
  readonly status: number;
  readonly durationMs: number;
  /** Failure text for the delivery log; null on success. */
  readonly error: string | null;
  readonly failure?: PostFailure;
  /** First bytes of the response body (at most `maxResponseBytes`), decoded as UTF-8. */
  readonly responseHead: string;
  /** Delay asked by `Retry-After` on a failed response, ms, unclamped (see schedule.ts). */
  readonly retryAfterMs?: number;
  /** Status 410 Gone: the endpoint asks to be disabled until reconfigured. */
  readonly disable: boolean;
  /** The `webhook-timestamp` sent (seconds), for the attempt record. */
  readonly timestamp: number;
}

/** Options of {@link createWebhookPoster}. */
export interface WebhookPosterOptions {
  /** SSRF guard that checks the URL and, through its lookup, the address at connect time. */
  readonly guard: DestinationGuard;
  /** Version for `User-Agent: postwire/<version> (webhook)`. */
  readonly version: string;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  /** Wall clock in ms (default Date.now): `webhook-timestamp` and Retry-After dates. */
  readonly now?: () => number;
  /** Keep idle connections for reuse (default true); sockets are bounded by `maxSockets`. */
  readonly keepAlive?: boolean;
  /** Sockets per origin (default 64, the default overall webhook concurrency). */
  readonly maxSockets?: number;
  /** Extra trusted CA certificates (PEM) for https; default: Node's bundled roots. */
  readonly ca?: string | Buffer;
}

/** Sends webhook attempts; owns its connection pools, released by `close()`. */
export interface WebhookPoster {
  post(req: WebhookRequest): Promise<PostResult>;
  /** Destroys pooled sockets; in-flight requests are aborted. */
  close(): void;
}

interface Outcome {
  status: number;
  error: string | null;
  failure?: PostFailure;
  head: Buffer;
  retryAfterMs?: number;
}

function statusOutcome(res: http.IncomingMessage, nowMs: number): Omit<Outcome, "head"> {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status <= 299) return { status, error: null };
  const retryAfterMs = parseRetryAfter(res.headers["retry-after"], nowMs);
  const extra = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status >= 300 && status <= 399) {
    const to = res.headers.location ? ` to ${res.headers.location}` : "";
    return { status, error: `redirect not followed: status ${status}${to}`, failure: "redirect", ...extra };
  }
  return { status, error: `http status ${status}`, failure: "status", ...extra };
}

/** Creates a poster; see the module comment for the rules it enforces. */
export function createWebhookPoster(opts: WebhookPosterOptions): WebhookPoster {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const now = opts.now ?? Date.now;
  const agentOptions = {
    keepAlive: opts.keepAlive ?? true,
    maxSockets: opts.maxSockets ?? 64,
    maxFreeSockets: 4,
    // Idle pooled sockets are closed before a typical 5 s server keep-alive timeout runs out.
    timeout: 4_000,
    scheduling: "lifo" as const,
  };
  const agents = {
    http: new http.Agent(agentOptions),
    https: new https.Agent(opts.ca === undefined ? agentOptions : { ...agentOptions, ca: opts.ca }),
  };

  function openRequest(target: WebhookTarget, headers: http.OutgoingHttpHeaders): http.ClientRequest {
    const isHttps = target.url.protocol === "https:";
    return (isHttps ? https : http).request({
      method: "POST",
      protocol: target.url.protocol,
      hostname: target.hostname,
      port: target.port,
      path: target.url.pathname + target.url.search,
      headers,
      agent: isHttps ? agents.https : agents.http,
      // IP literals skip DNS (checkUrl vetted them); names resolve through the guard at connect time.
      lookup: target.literal ? undefined : opts.guard.connectLookup(target),
    });
  }

  /** Runs one HTTP exchange; resolves (never rejects) when it is decided. */
  function exchange(req: http.ClientRequest, body: string | Uint8Array, deadline: number, signal?: AbortSignal) {
    return new Promise<Outcome & { reusedReset?: boolean }>((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      let partial: Omit<Outcome, "head"> | undefined; // set once the response head arrived
      const settle = (o: Omit<Outcome, "head"> & { reusedReset?: boolean }, destroy: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (destroy) req.destroy();
        resolve({ ...o, head: Buffer.concat(chunks).subarray(0, maxBytes) });
      };
      const timer = setTimeout(() => {
        const what = partial ? "reading response" : "waiting for response";
        settle({ status: partial?.status ?? 0, error: `timeout after ${timeoutMs} ms ${what}`, failure: "timeout" }, true);
      }, Math.max(0, deadline - performance.now()));
      const onAbort = () => settle({ status: partial?.status ?? 0, error: "aborted: shutting down", failure: "network" }, true);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (err instanceof DestinationRefusedError) {
          return settle({ status: 0, error: err.message, failure: "refused" }, true);
        }
        // A pooled socket closed by the server just before reuse: safe to try once more (Node docs).
        const reusedReset = req.reusedSocket && !partial && (err.code === "ECONNRESET" || err.code === "EPIPE");
        const text = `${partial ? "reading response" : "posting"}: ${err.code ?? err.message}`;
        settle({ status: partial?.status ?? 0, error: text, failure: "network", reusedReset }, true);
      });
      req.on("response", (res) => {
        const head = statusOutcome(res, now());
        partial = head;
        res.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          // Enough read: close the connection instead of draining an endless body.
          if (size >= maxBytes) settle(head, true);
        });
        res.on("end", () => settle(head, false));
        const broken = () => settle({ ...head, error: "reading response: connection closed", failure: "network" }, true);
        res.on("aborted", broken);
        res.on("error", broken);
      });
      req.end(body);
    });
  }

  async function attempt(target: WebhookTarget, headers: http.OutgoingHttpHeaders, body: string | Uint8Array, deadline: number, signal?: AbortSignal) {
    try {
      return await exchange(openRequest(target, headers), body, deadline, signal);
    } catch (err) {
      // request() throws synchronously for header values Node refuses (e.g. CR/LF in Authorization).
      const error = `building request: ${(err as Error).message}`;
      return { status: 0, error, failure: "invalid-request" as const, head: Buffer.alloc(0) };
    }
  }

  async function post(r: WebhookRequest): Promise<PostResult> {
    const start = performance.now();
    const timestamp = webhookTimestamp(now());
    const done = (o: Outcome): PostResult => ({
      ok: o.error === null,
      status: o.status,
      durationMs: Math.round(performance.now() - start),
      error: o.error,
      ...(o.failure ? { failure: o.failure } : {}),
      responseHead: o.head.toString("utf8"),
      ...(o.retryAfterMs !== undefined ? { retryAfterMs: o.retryAfterMs } : {}),
      disable: o.status === 410,
      timestamp,
    });
    let target: WebhookTarget;
    try {
      target = opts.guard.checkUrl(r.url);
    } catch (err) {
      const failure: PostFailure = err instanceof InvalidWebhookUrlError ? "invalid-request" : "refused";
      return done({ status: 0, error: (err as Error).message, failure, head: Buffer.alloc(0) });
    }
    const headers: http.OutgoingHttpHeaders = {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(r.body),
      "User-Agent": `postwire/${opts.version} (webhook)`,
      "X-Mox-Webhook-ID": String(r.hookId),
      "X-Mox-Webhook-Attempt": String(r.attempt),
      ...(r.authorization ? { Authorization: r.authorization } : {}),
      "webhook-id": r.webhookId,
      "webhook-timestamp": String(timestamp),
    };
    try {
      const signature = signatureHeader(r.secrets ?? [], r.webhookId, timestamp, r.body);
      if (signature !== "") headers["webhook-signature"] = signature;
    } catch (err) {
      return done({ status: 0, error: `signing: ${(err as Error).message}`, failure: "invalid-request", head: Buffer.alloc(0) });
    }
    const deadline = start + timeoutMs;
    let outcome: Outcome & { reusedReset?: boolean } = await attempt(target, headers, r.body, deadline, r.signal);
    if (outcome.reusedReset) outcome = await attempt(target, headers, r.body, deadline, r.signal);
    return done(outcome);
  }

  return {
    post,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
