/**
 * Codes of {@link ComposeError}. They are mox webapi error codes, so the API maps them
 * straight to its `{ Code, Message }` response: `user` for invalid input such as control
 * characters or bad base64, `malformedMessageID` for a Message-ID without `<>`,
 * `badAddress` for an unparsable address, `missingBody` when Text and HTML are both empty.
 */
export const composeErrorCodes = ["user", "malformedMessageID", "badAddress", "missingBody"] as const;

/** One of {@link composeErrorCodes}. */
export type ComposeErrorCode = (typeof composeErrorCodes)[number];

/** A message could not be composed from the request; always the caller's input at fault. */
export class ComposeError extends Error {
  override readonly name = "ComposeError";
  readonly code: ComposeErrorCode;

  constructor(code: ComposeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Codes of {@link ParseLimitError}. */
export const parseLimitCodes = ["headerTooLarge"] as const;

/** One of {@link parseLimitCodes}. */
export type ParseLimitCode = (typeof parseLimitCodes)[number];

/** A message exceeded a parsing bound that cannot be degraded gracefully (MIME bomb defence). */
export class ParseLimitError extends Error {
  override readonly name = "ParseLimitError";
  readonly code: ParseLimitCode;

  constructor(code: ParseLimitCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Prepending header lines that would break the message (bare CR/LF, missing name). */
export class HeaderLineError extends Error {
  override readonly name = "HeaderLineError";
  readonly code = "badHeaderLine";
}
