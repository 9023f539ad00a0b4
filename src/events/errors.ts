/** A cursor string that was not produced by this server. */
export class EventCursorError extends Error {
  readonly code = "badCursor";
  override name = "EventCursorError";
}
