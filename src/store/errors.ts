/** Why a store operation was refused, for the caller to report to the user. */
export type StoreErrorCode = "addressTaken" | "accountExists" | "accountNotFound" | "messageNotFound" | "messageExpunged" | "mailboxNotFound" | "sameMailbox"
  | "dkimKeyExists"
  | "dkimKeyNotFound"
  | "dkimKeySigning"
  | "badQuery";

/** A store operation refused for a reason the caller should report to the user. */
export class StoreError extends Error {
  override name = "StoreError";
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
