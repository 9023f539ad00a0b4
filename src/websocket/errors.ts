/** Why an event-stream request or token request was refused. */
export type EventStreamErrorCode = "badRequest" | "unauthorized" | "forbidden" | "tooManyRequests" | "unavailable";

const statusOf: Record<EventStreamErrorCode, number> = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  tooManyRequests: 429,
  unavailable: 503,
};

/**
 * A refusal the client caused (bad filter, foreign address, bad credentials, over a limit).
 * Before the upgrade it becomes an HTTP status; after it, an error frame and close 1008.
 */
export class EventStreamError extends Error {
  override readonly name = "EventStreamError";
  readonly code: EventStreamErrorCode;

  constructor(code: EventStreamErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** The HTTP status answering this refusal. */
  get status(): number {
    return statusOf[this.code];
  }
}
