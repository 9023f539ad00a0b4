// smtp: SMTP vocabulary without I/O. Owns reply codes and enhanced status codes, the
// `SmtpError` that inbound hands to smtp-server, the catalogue of refusals, and email
// address/path parsing (unicode domains, mox base addresses, relay-safety checks).
// Knows nothing of sockets (inbound/), sending (delivery/) or message bodies (message/).
// Invariants: a parsed domain is unicode, lowercase and valid LDH after IDNA; reply text
// never contains control characters.

export { SmtpError, smtpError, AddressError, addressErrorCodes, type AddressErrorCode } from "./errors.js";
export {
  replyCodes,
  smtpReplies,
  isEnhancedCode,
  startsWithEnhancedCode,
  enhancedCodeFor,
  sanitizeReplyText,
  type SmtpReply,
  type SmtpReplyName,
} from "./reply.js";
export { formatReceived, rfc5322Date, type ReceivedClauses } from "./received.js";
export {
  parseAddress,
  parseDomain,
  parsePath,
  formatAddress,
  baseAddress,
  isSafeLocalpart,
  isDotAtom,
  isAscii,
  needsSmtpUtf8,
  type EmailAddress,
  type ParseAddressOptions,
} from "./address.js";
