import type { DbOrTx } from "../db/index.js";
import { PushError } from "./errors.js";
import { cancelPushGlobal, cancelPushMessage, getPushGlobal, getPushMessage } from "./queries.js";

/** What PushMessageCancel names: exactly one of the two ids. */
export type CancelRequest = { pushId: number; globalId: number };

/**
 * Cancels a PENDING push (it is then never sent) or a live global push (recipients that did not
 * get it yet never will). Cancelling what is already cancelled answers the same again.
 * @throws PushError pushNotFound for an id of no push of the account; user when it was
 * already delivered or expired, or when not exactly one id is given.
 */
export async function cancelPush(db: DbOrTx, accountId: number, req: CancelRequest, now: Date): Promise<{ cancelledAt: Date }> {
  if ((req.pushId > 0) === (req.globalId > 0)) throw new PushError("user", "give exactly one of PushID and GlobalID");
  if (req.pushId > 0) {
    const done = await cancelPushMessage(db, accountId, req.pushId, now);
    if (done) return { cancelledAt: done.cancelledAt! };
    const row = await getPushMessage(db, accountId, req.pushId);
    if (!row) throw new PushError("pushNotFound", `no push message ${req.pushId}`);
    if (row.state === "CANCELLED") return { cancelledAt: row.cancelledAt! };
    if (row.state === "DELIVERED") throw new PushError("user", `push message ${req.pushId} was already delivered`);
    throw new PushError("user", `push message ${req.pushId} has expired`);
  }
  const done = await cancelPushGlobal(db, accountId, req.globalId, now);
  if (done) return { cancelledAt: done.cancelledAt! };
  const row = await getPushGlobal(db, accountId, req.globalId);
  if (!row) throw new PushError("pushNotFound", `no global message ${req.globalId}`);
  if (row.cancelledAt) return { cancelledAt: row.cancelledAt };
  throw new PushError("user", `global message ${req.globalId} has expired`);
}
