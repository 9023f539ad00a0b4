/** Stable codes of {@link DeliveryError}. `error` and `badAddress` are mox's webapi codes. */
export const deliveryErrorCodes = ["error", "badAddress", "fromIdTaken", "badSubmission", "idempotentRepeat"] as const;

/** One of {@link deliveryErrorCodes}. */
export type DeliveryErrorCode = (typeof deliveryErrorCodes)[number];

/**
 * A delivery operation refused for a reason the caller reports to the user: a duplicate or
 * absent suppression (`error`, as mox), an unparsable address (`badAddress`), a FromID already
 * used (`fromIdTaken`, SMTP 554 5.1.7), an inconsistent submission (`badSubmission`), or a Send whose idempotency key was answered meanwhile
 * (`idempotentRepeat`: the caller rolls back and returns the stored answer).
 */
export class DeliveryError extends Error {
  override readonly name = "DeliveryError";
  readonly code: DeliveryErrorCode;
  constructor(code: DeliveryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
