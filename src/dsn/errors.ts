/** Codes of {@link DsnError}. */
export const dsnErrorCodes = ["noRecipients", "badAddress"] as const;

/** One of {@link dsnErrorCodes}. */
export type DsnErrorCode = (typeof dsnErrorCodes)[number];

/** A DSN could not be composed from the request (a caller bug: queue data is validated). */
export class DsnError extends Error {
  override readonly name = "DsnError";
  readonly code: DsnErrorCode;

  constructor(code: DsnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
