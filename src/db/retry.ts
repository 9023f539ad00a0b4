import pRetry from "p-retry";
import type { Logger } from "pino";
import { sqlState } from "./errors.js";

// Connection-level failures that go away when the server is back (postgres-js and Node codes).
const transientCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/**
 * True for a database failure that a later try may not meet: the connection was refused,
 * lost or timed out, or the server is starting or shutting down (SQLSTATE class 08, 57P01-03,
 * 53300 too many connections). A refusal of the statement itself (bad SQL, a constraint, a
 * wrong password, a missing database) is not.
 */
export function isTransientDbError(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== undefined) return state.startsWith("08") || state === "57P01" || state === "57P02" || state === "57P03" || state === "53300";
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === "string" && transientCodes.has(code)) return true;
  }
  return false;
}

/**
 * Runs `fn` again (p-retry, exponential backoff from 250 ms to 5 s) while it fails with a
 * transient database error, for at most `maxMs`; other errors, and the last one, are thrown.
 * For short in-process waits (start-up, a result to record across a server restart), never for
 * work the durable queue reschedules.
 */
export function retryTransient<T>(what: string, fn: () => Promise<T>, o: { log?: Logger; maxMs: number }): Promise<T> {
  return pRetry(fn, {
    retries: Number.POSITIVE_INFINITY,
    maxRetryTime: o.maxMs,
    minTimeout: 250,
    maxTimeout: 5_000,
    factor: 2,
    shouldRetry: ({ error }) => isTransientDbError(error),
    onFailedAttempt: ({ error, attemptNumber }) => {
      if (isTransientDbError(error)) o.log?.warn({ err: error, attempt: attemptNumber }, `${what} failed, retrying`);
    },
  });
}
