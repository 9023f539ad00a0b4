// Payload types of the message module. Field names that reach the webapi and webhook JSON
// are mox's exact Go field names (PascalCase), so callers can pass them through unchanged.

/** A display name and an address, mox's `NameAddress`. */
export interface NameAddress {
  /** Display name, decoded; "" when absent. */
  Name: string;
  /** `localpart@domain` with the domain in unicode form. */
  Address: string;
}

/** mox's `webhook.Structure`: one MIME node of a parsed message (docs/contract.md §2.2). */
export interface Structure {
  /** Lowercase `type/subtype`; `text/plain` when the header is absent (RFC 2045 §5.2). */
  ContentType: string;
  /** Parameters with lowercase keys, RFC 2231 decoded; `{}` when none. */
  ContentTypeParams: Record<string, string>;
  /** Content-ID header value with its `<>`, or "". */
  ContentID: string;
  /** Lowercase Content-Disposition value without parameters, or "". */
  ContentDisposition: string;
  /** From disposition `filename`, else content-type `name`; decoded. */
  Filename: string;
  /** Bytes after transfer decoding; text parts counted with CRLF; 0 for multiparts. */
  DecodedSize: number;
  /** Children of a multipart; `[]` for leaves (message/rfc822 included, as in mox). */
  Parts: Structure[];
}

/** A successfully parsed message: everything the webapi and webhooks need. */
export interface ParsedMessage {
  readonly ok: true;
  From: NameAddress[];
  To: NameAddress[];
  CC: NameAddress[];
  BCC: NameAddress[];
  ReplyTo: NameAddress[];
  /** RFC 2047 decoded. */
  Subject: string;
  /** Raw Message-ID value with `<>`, or "". */
  MessageID: string;
  /** Raw In-Reply-To value, or "". */
  InReplyTo: string;
  /**
   * webapi MessageGet rule (docs/contract.md §1.5): References values split on whitespace, with
   * In-Reply-To prepended when not already listed.
   */
  References: string[];
  /**
   * webhook Incoming rule (docs/contract.md §2.2): message-ids from References only, lowercased,
   * inner whitespace removed, each wrapped in `<>`; `[]` when none.
   */
  IncomingReferences: string[];
  /** Date header, or null when absent or unparsable. */
  Date: Date | null;
  /** The Date header's zone in minutes east of UTC (kept for output, as mox keeps it); absent in rows stored before it existed. */
  DateOffset?: number | null;
  /** First readable text/plain part, LF line ends, at most 1 MiB of UTF-8. */
  Text: string;
  /** First readable text/html part, LF line ends, at most 1 MiB of UTF-8. Never converted. */
  HTML: string;
  Structure: Structure;
  /** mox `Meta.Automated`: empty MAIL FROM (caller's hint), list/precedence/auto-submitted headers, or multipart/report. */
  Automated: boolean;
  /** Top-level header fields in order: `[name as written, unfolded raw value]`. */
  Headers: Array<[string, string]>;
  /** True when a depth or part-count cap cut the Structure short (docs/guarantees.md B1/B2). */
  Truncated: boolean;
}

/** Why parsing failed; the caller stores the raw message flagged unparsed. */
export const parseFailureCodes = ["timeout", "outOfMemory", "crashed", "headerTooLarge", "malformed", "overloaded", "closed"] as const;

/** One of {@link parseFailureCodes}. */
export type ParseFailureCode = (typeof parseFailureCodes)[number];

/** A parse that did not produce a result. Never thrown: returned, so no message is lost. */
export interface ParseFailure {
  readonly ok: false;
  readonly error: { readonly code: ParseFailureCode; readonly message: string };
}

/** Result of parsing. */
export type ParseResult = ParsedMessage | ParseFailure;

/** Per-call parse options. */
export interface ParseOptions {
  /** True when SMTP MAIL FROM was empty: the message counts as automated (mox §2.2). */
  automatedHint?: boolean;
  /** Wall-clock limit for this parse in the worker; default from the pool (5 s). */
  timeoutMs?: number;
}
