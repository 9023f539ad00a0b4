/** Stable codes of {@link MailAuthError}. */
export const mailAuthErrorCodes = [
  "INVALID_DOMAIN",
  "INVALID_SELECTOR",
  "INVALID_OPTIONS",
  "DKIM_KEY_INVALID",
  "DKIM_KEY_EXISTS",
  "DKIM_KEY_NOT_FOUND",
  "DKIM_KEY_IO",
] as const;

/** One of {@link mailAuthErrorCodes}. */
export type MailAuthErrorCode = (typeof mailAuthErrorCodes)[number];

/**
 * A mail-auth failure with a stable `code`. Invalid names and options are user errors;
 * `DKIM_KEY_IO` is a fault (disk, permissions) and carries the fs error as `cause`.
 * Verification of incoming mail never throws: it reports problems in its result.
 */
export class MailAuthError extends Error {
  override readonly name = "MailAuthError";
  /** Stable failure code. */
  readonly code: MailAuthErrorCode;

  constructor(code: MailAuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** True for errors caused by what the user asked for (bad names, existing key), not faults. */
  get userError(): boolean {
    return this.code !== "DKIM_KEY_IO";
  }
}
