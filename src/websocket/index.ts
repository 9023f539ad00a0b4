/**
 * The realtime event stream: `GET /webapi/v0/events` upgraded to a WebSocket (basic auth or an
 * EventTokenCreate token), replay from a cursor, then live events fanned out by one shared
 * reader per account; plus token minting and EventList paging for the webapi to expose.
 * It never writes events: it reads the durable log by cursor after commit, so frames are
 * committed, in log order, account-confined, and gap- and duplicate-free across reconnects.
 */
export { createEventStream, type EventStream, type EventStreamDeps, type EventStreamStats } from "./stream.js";
export { defaultLimits, type EventStreamLimits } from "./limits.js";
export { createEventMethods, listEvents, eventListJson, maxPageBytes, type EventMethods, type EventListRequest, type EventListResult } from "./list.js";
export { createEventToken, lookupEventToken, tokenLifetime, type EventTokenRequest, type EventTokenGrant } from "./tokens.js";
export { eventJson, listeningFrame } from "./frame.js";
export { storeLogin, type ResolveLogin } from "./login.js";
export { EventStreamError, type EventStreamErrorCode } from "./errors.js";
export { createPushMethods, type PushMethods, type PushRegisterRequest, type PushGlobalListRequest } from "./push-methods.js";
