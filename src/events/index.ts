/**
 * The durable event log: a typed catalogue of event kinds, append inside the caller's
 * transaction (with an injected in-transaction hook for the webhook outbox), read by cursor in a
 * gap-free order, and wake-ups after commit (in-process, plus NOTIFY on PostgreSQL).
 * It does not know about webhooks or WebSocket; they read it.
 */
export { eventKinds, outgoingEventKinds, isEventKind, type EventKind } from "./catalogue.js";
export { encodeCursor, decodeCursor, startCursor, type Cursor } from "./cursor.js";
export { createEventLog, type EventLog, type NewEvent, type LoggedEvent, type AppendHook, type ReadFilter } from "./log.js";
export { EventCursorError } from "./errors.js";
