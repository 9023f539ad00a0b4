/** A cursor string that was not produced by this server. */
export class EventCursorError extends Error {
  readonly code = "badCursor";
  override name = "EventCursorError";
}

/** A payload value cannot be encoded the way Go's encoding/json would (fault in the caller). */
export class InvalidPayloadError extends Error {
  readonly code = "invalidPayload";
  override name = "InvalidPayloadError";
}
