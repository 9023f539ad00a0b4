// dsn: delivery status notifications (RFC 3464, RFC 6533). Owns composing the failure and
// delay DSNs delivery writes to the sender's Inbox, parsing incoming DSNs, and mapping one
// to an outgoing webhook event (docs/contract.md §2.9). Knows nothing of queues, storage or
// sending. Invariants: composed DSNs have CRLF line ends; parsing never throws and reads
// only the top level and the status part, within fixed bounds.

export { composeDsn } from "./compose.js";
export { parseDsn } from "./parse.js";
export { incomingDsnOutcome, type IncomingDsnEvent, type IncomingDsnOutcome } from "./outcome.js";
export { DsnError, dsnErrorCodes, type DsnErrorCode } from "./errors.js";
export {
  dsnActions,
  type DsnAction,
  type DsnComposeRequest,
  type DsnRecipient,
  type DsnRecipientReport,
  type DsnParseResult,
  type ParsedDsn,
  type RemoteMta,
} from "./types.js";
