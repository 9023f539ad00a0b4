/**
 * Error codes of the webapi (docs/contract.md §1.3). Every method failure becomes a 400 with
 * `{"Code","Message"}`; the list is closed so a typo cannot invent a code on the wire.
 */
export const apiErrorCodes = [
  "protocol",
  "server",
  "user",
  "error",
  "badAddress",
  "missingBody",
  "multipleFrom",
  "badFrom",
  "domainDisabled",
  "noRecipients",
  "messageLimitReached",
  "recipientLimitReached",
  "messageTooLarge",
  "malformedMessageID",
  "sentOverQuota",
  "messageNotFound",
  "partNotFound",
  // Postwire extensions (docs/api.md).
  "queueMsgNotFound",
  "notQueued",
  "badIdempotencyKey",
  "idempotencyConflict",
  // Push extensions (PushMessage and friends).
  "recipientNotFound",
  "pushNotFound",
  "unknownCategory",
  // API keys.
  "insufficientScope",
  "apiKeyNotFound",
] as const;

/** One of {@link apiErrorCodes}. */
export type ApiErrorCode = (typeof apiErrorCodes)[number];

/** True when `s` is a webapi error code (used to pass through codes of lower modules). */
export function isApiErrorCode(s: unknown): s is ApiErrorCode {
  return typeof s === "string" && (apiErrorCodes as readonly string[]).includes(s);
}

/** A method refused the call; answered as 400 `{"Code","Message"}`. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * A refusal at the HTTP level (401, 403, 405, 429, 500) answered with a plain-text body
 * the way Go's `http.Error` writes it, optionally with extra headers.
 */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly code = "http";
  readonly status: 401 | 403 | 404 | 405 | 429 | 500;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: HttpError["status"], text: string, headers: Record<string, string> = {}) {
    super(text);
    this.status = status;
    this.headers = headers;
  }
}

/** The request JSON did not decode into the method's request type (answered as `protocol`). */
export class DecodeError extends Error {
  override readonly name = "DecodeError";
  readonly code = "protocol";
}
