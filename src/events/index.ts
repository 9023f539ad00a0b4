/**
 * The durable event log: a typed catalogue of event kinds, append inside the caller's
 * transaction (with an injected in-transaction hook for the webhook outbox), read by cursor in a
 * gap-free order, and wake-ups after commit (in-process, plus NOTIFY on PostgreSQL).
 * It also owns the payload types (mox's webhook.Incoming/Outgoing, Go-exact JSON) that the
 * log stores, so writers, webhooks and WebSocket share them. It does not know about webhooks or
 * WebSocket; they read it.
 */
export { eventKinds, outgoingEventKinds, isEventKind, type EventKind } from "./catalogue.js";
export { encodeCursor, decodeCursor, startCursor, type Cursor } from "./cursor.js";
export { createEventLog, type EventLog, type NewEvent, type LoggedEvent, type AppendHook, type ReadFilter } from "./log.js";
export { EventCursorError, InvalidPayloadError } from "./errors.js";
export {
  OUTGOING_EVENTS,
  isOutgoingEvent,
  serializeOutgoing,
  serializeIncoming,
  outgoingToGo,
  incomingToGo,
  structureToGo,
  type OutgoingEvent,
  type Outgoing,
  type Incoming,
  type IncomingMeta,
  type NameAddress,
  type Structure,
  type SerializeOptions,
} from "./payload.js";
export { formatGoTime, withZoneOffset, goZeroTime, encodeGoJson, GO_ZERO_TIME_MS, type GoJson, type GoJsonOptions, type GoStruct } from "./go-json.js";
export { EXAMPLE_NAMES, examplePayload, exampleBody, exampleText, defaultExampleName, type ExampleName, type ExamplePayload } from "./examples.js";
