// message: internet messages as bytes. Owns parsing (in a worker-thread pool with time and
// heap caps, never HTML-to-text), the MIME Structure and part access of mox's webapi,
// composing Send requests, Message-IDs and raw header helpers. Knows nothing of storage,
// SMTP sessions or DSNs (dsn/). Invariants: a parse never throws and never loses the
// message (failures are returned); composed output has CRLF line ends only.

export type {
  NameAddress,
  Structure,
  ParsedMessage,
  ParseFailure,
  ParseFailureCode,
  ParseResult,
  ParseOptions,
} from "./types.js";
export { parseFailureCodes } from "./types.js";
export {
  createParserPool,
  parseMessage,
  closeParserPool,
  type ParserPool,
  type ParserPoolOptions,
} from "./parser-pool.js";
export { defaultParseLimits, type ParseLimits } from "./parse.js";
export { getPart, getPartInfo, type PartInfo } from "./get-part.js";
export {
  composeMessage,
  defaultUserAgent,
  type ComposeRequest,
  type ComposeOptions,
  type ComposedMessage,
  type ComposedRecipient,
} from "./compose.js";
export type { ComposeFile } from "./compose-body.js";
export { hasBareCrOrLf, prependHeaders, generateMessageId, headerSectionEnd } from "./raw.js";
export { readHeaderFields } from "./header.js";
export { fieldCountViolation, composerOwnedFields, type FieldCountViolation } from "./field-limits.js";
export { sniffContentType } from "./sniff.js";
export { formatDate as formatMessageDate } from "./mime-encode.js";
export {
  ComposeError,
  composeErrorCodes,
  HeaderLineError,
  ParseLimitError,
  parseLimitCodes,
  type ComposeErrorCode,
  type ParseLimitCode,
} from "./errors.js";
