/**
 * The one error mapping (hono `app.onError`): HTTP-level refusals become their plain-text
 * answers; everything else becomes 400 `{"Code","Message"}` (docs/contract.md §1.2 step 8). Errors of
 * lower modules map by their stable `code`; anything unknown is `server` and logged as a fault.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import { ApiError, HttpError, isApiErrorCode, type ApiErrorCode } from "./errors.js";

// Codes of lower modules' errors that are not webapi codes themselves.
const codeMap = new Map<string, ApiErrorCode>([
  ["protocol", "protocol"],
  ["messageExpunged", "user"], // store: a change to an already-deleted message (mox: user)
  ["mailboxNotFound", "user"],
  ["sameMailbox", "user"],
  ["addressTaken", "user"],
  ["badCursor", "user"],
  ["fromIdTaken", "user"],
  ["unsafeLocalpart", "badAddress"],
  ["headerTooLarge", "user"],
  ["badHeaderLine", "user"],
]);

/** Maps any thrown value to the webapi error it is answered with. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  if (typeof code === "string") {
    const mapped = isApiErrorCode(code) ? code : codeMap.get(code);
    if (mapped && mapped !== "server") return new ApiError(mapped, (err as Error).message, { cause: err });
  }
  return new ApiError("server", "unhandled error", { cause: err });
}

// The database is unreachable or restarting (postgres-js connection codes, SQLSTATE class 08,
// 57P01-57P03 shutdown/starting, 57014 statement budget exceeded, 53300 too many connections): a temporary condition the client
// should retry, answered 503 rather than a permanent-looking 400 `server` (docs/guarantees.md E6).
const unavailableCodes = /^(CONNECTION_(CLOSED|DESTROYED|ENDED)|CONNECT_TIMEOUT|ECONNREFUSED|ECONNRESET|EPIPE|ENOENT|08\w{3}|57P0[123]|57014|53300)$/;

function databaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === "string" && unavailableCodes.test(code)) return true;
  }
  return false;
}

/** Builds the response for an error thrown while handling a request. */
export function errorResponse(err: unknown, c: Context, log: Logger): Response {
  if (databaseUnavailable(err)) {
    log.warn({ err }, "webapi call failed: database unavailable");
    return c.body("503 - service unavailable - database unavailable, try again\n", 503, {
      "Content-Type": "text/plain; charset=utf-8",
      "Retry-After": "5",
    });
  }
  if (err instanceof HttpError) {
    log.debug({ status: err.status }, "webapi request refused");
    return c.body(err.message, err.status, { ...err.headers, "Content-Type": "text/plain; charset=utf-8" });
  }
  if (err instanceof HTTPException) return err.getResponse();
  const apiErr = toApiError(err);
  if (apiErr.code === "server") log.error({ err }, "webapi call failed");
  else log.info({ code: apiErr.code, reason: apiErr.message }, "webapi call refused");
  const body = JSON.stringify({ Code: apiErr.code, Message: apiErr.message }) + "\n";
  return c.body(body, 400, { "Content-Type": "application/json; charset=utf-8" });
}
