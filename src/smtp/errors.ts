import { isEnhancedCode, sanitizeReplyText, smtpReplies, type SmtpReply, type SmtpReplyName } from "./reply.js";

/**
 * An SMTP refusal or failure with its reply code and enhanced status code (RFC 3463),
 * e.g. `550 5.7.1 relaying denied`. Inbound code throws it from session checks; the one
 * translation edge turns it into the Error that smtp-server's `onX` callbacks expect.
 */
export class SmtpError extends Error {
  override readonly name = "SmtpError";
  /** Stable error code, shared by all SMTP replies; see `responseCode` for the reply. */
  readonly code = "smtp";
  /** Three-digit SMTP reply code (RFC 5321 §4.2), e.g. 550. */
  readonly responseCode: number;
  /** Enhanced status code `class.subject.detail`, e.g. `5.7.1`, or "" when none applies. */
  readonly enhancedCode: string;

  /**
   * @param responseCode 2xx–5xx reply code.
   * @param enhancedCode `x.y.z` whose class digit matches the reply code's, or "".
   * @param message Human text; control characters are replaced by spaces because a reply
   *   line must not be split (smtp-server does the same as a backstop).
   * @throws RangeError for an impossible code pair: a programming error, not a runtime one.
   */
  constructor(responseCode: number, enhancedCode: string, message: string, options?: { cause?: unknown }) {
    super(sanitizeReplyText(message), options);
    if (!Number.isInteger(responseCode) || responseCode < 200 || responseCode > 599) {
      throw new RangeError(`smtp reply code ${responseCode} out of range`);
    }
    if (enhancedCode !== "" && !isEnhancedCode(enhancedCode)) {
      throw new RangeError(`malformed enhanced status code "${enhancedCode}"`);
    }
    // RFC 3463 §2: the class digit must agree with the reply's first digit.
    if (enhancedCode !== "" && enhancedCode[0] !== String(responseCode)[0]) {
      throw new RangeError(`enhanced code ${enhancedCode} does not match reply code ${responseCode}`);
    }
    this.responseCode = responseCode;
    this.enhancedCode = enhancedCode;
  }

  /** True for 5xx replies: the client must not retry the same transaction. */
  get permanent(): boolean {
    return this.responseCode >= 500;
  }

  /** The reply text after the code: `5.7.1 relaying denied` (or just the message). */
  replyText(): string {
    return this.enhancedCode ? `${this.enhancedCode} ${this.message}` : this.message;
  }

  /** The whole reply line without CRLF: `550 5.7.1 relaying denied`. */
  formatReply(): string {
    return `${this.responseCode} ${this.replyText()}`;
  }

  /**
   * The Error to hand to an smtp-server 3.21 `onConnect/onMailFrom/onRcptTo/onData`
   * callback: `message` is {@link replyText} and `responseCode` is set.
   *
   * smtp-server writes `<responseCode> <message>` while ENHANCEDSTATUSCODES is hidden
   * (its default), which gives exactly `550 5.7.1 relaying denied`. With
   * `hideENHANCEDSTATUSCODES: false` it prefixes its own code picked from the reply code
   * alone (550 → 5.1.1), so inbound must then route replies that already carry a code
   * past that prefix; see {@link startsWithEnhancedCode} for the recipe.
   */
  toHandlerError(): Error & { responseCode: number } {
    return Object.assign(new Error(this.replyText(), { cause: this }), { responseCode: this.responseCode });
  }
}

/**
 * An {@link SmtpError} for a catalogued reply (see `smtpReplies`), optionally with more
 * specific text: `smtpError("relayDenied")` → `550 5.7.1 relaying denied`.
 */
export function smtpError(reply: SmtpReplyName | SmtpReply, message?: string, options?: { cause?: unknown }): SmtpError {
  const r = typeof reply === "string" ? smtpReplies[reply] : reply;
  return new SmtpError(r.responseCode, r.enhancedCode, message ?? r.message, options);
}

/** Stable codes of {@link AddressError}. */
export const addressErrorCodes = ["badAddress", "unsafeLocalpart"] as const;

/** One of {@link addressErrorCodes}. */
export type AddressErrorCode = (typeof addressErrorCodes)[number];

/**
 * An email address that cannot be parsed (`badAddress`, mox's webapi code) or that is
 * syntactically valid but refused for relay safety (`unsafeLocalpart`).
 */
export class AddressError extends Error {
  override readonly name = "AddressError";
  readonly code: AddressErrorCode;
  /** The input, as given. */
  readonly input: string;

  constructor(code: AddressErrorCode, input: string, reason: string) {
    super(`parsing address ${JSON.stringify(input)}: ${reason}`);
    this.code = code;
    this.input = input;
  }
}
