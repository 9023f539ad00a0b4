/** Why a push request was refused; the webapi answers each with the same code. */
export type PushErrorCode = "user" | "recipientNotFound" | "pushNotFound";

/** A refusal the caller caused (bad input, unknown recipient or push); nothing was stored. */
export class PushError extends Error {
  override readonly name = "PushError";
  readonly code: PushErrorCode;

  constructor(code: PushErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
