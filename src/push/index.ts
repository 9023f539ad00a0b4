/**
 * App push messages: recipients (an app's own user ids), pushes to some of them or to all
 * (global), their states (PENDING, DELIVERED, CANCELLED; EXPIRED past expiry) and listing.
 * Each push is a `push` event in the durable log, written with its row in one transaction; the
 * WebSocket stream carries it to the recipient's connections and claims delivery here, once.
 * It does not authenticate, mint tokens or write frames (websocket/ does).
 */
export { PushError, type PushErrorCode } from "./errors.js";
export { registerRecipient, pushMessage, pushGlobalMessage, type PushDeps, type PushRequest, type GlobalPushRequest } from "./send.js";
export { cancelPush, type CancelRequest } from "./cancel.js";
export { listPushMessages, listPushGlobals, pushStates, type PushState, type PushListRequest, type PushListItem, type PushGlobalListItem } from "./list.js";
export { parsePushPayload, recipientAddress, globalAddress, type PushRef } from "./payload.js";
export { checkRecipient, checkTopic, maxMessageBytes, pushLifetime } from "./validate.js";
export { claimPushMessages, pushMessageStates, pushGlobalStates, claimGlobalDeliveries, deliveredGlobals, oldestUndelivered } from "./queries.js";
