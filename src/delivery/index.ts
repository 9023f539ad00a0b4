/**
 * Outgoing delivery (docs/contract.md §3, §2.3, §2.9): the queue of outbound messages (one per
 * recipient), its handler on the shared job queue (MX lookup, nodemailer SMTP with DKIM, retries
 * and DSNs), suppression list, daily limits, FromID matching of incoming DSNs, admin actions.
 * It does not accept SMTP (inbound/) nor send webhooks: it appends events in the transaction
 * that changes a message's state. Invariants: no network I/O inside a transaction; a recipient
 * recorded delivered is never delivered or DSN'd again; no DSN ever goes to the null sender.
 */
import { startRunner, type Runner } from "../queue/index.js";
import { createAdmin, toMessage } from "./admin.js";
import { createDeliveryHandler } from "./handler.js";
import { handleIncoming } from "./incoming.js";
import { idempotencyKeys } from "./idempotency.js";
import { loadUnsubscribeKey } from "./unsubscribe.js";
import { applyUnsubscribe } from "./optout.js";
import { getPreference, setPreference } from "./preferences.js";
import { latestSend } from "./queries.js";
import { checkSendLimits } from "./limits.js";
import { startCleanup, type Cleanup } from "./retire.js";
import { deliveryJobKind, submit } from "./submit.js";
import { suppressionList } from "./suppressions.js";
export { smarthostTarget } from "./target.js";
export { releaseMessage, type ReleaseTarget } from "./release.js";
import type { Ctx, Delivery, DeliveryDeps } from "./types.js";

export type {
  Delivery,
  DeliveryDeps,
  DeliveryResult,
  DkimKey,
  IncomingOffer,
  OutboundMessage,
  OutboundStatus,
  QueueAdmin,
  QueueFilter,
  QueueState,
  SendLimit,
  Submission,
  Submitted,
  Suppression,
  Suppressions,
  Target,
} from "./types.js";
export { DeliveryError, deliveryErrorCodes, type DeliveryErrorCode } from "./errors.js";
export { isImmediateBlock } from "./suppressions.js";
export type { Preference } from "./preferences.js";
export type { UnsubscribeOutcome } from "./optout.js";
export { idempotencyTtlMs, type IdempotencyKeys, type IdempotentAnswer } from "./idempotency.js";
export { deliveryJobKind } from "./submit.js";

/**
 * Creates the delivery service. Nothing runs until `start()`; `submit` and the other calls work
 * before that (the queue simply waits). Callers commit their transaction, then call `wake()`.
 */
export function createDelivery(deps: DeliveryDeps): Delivery {
  let key: Promise<Buffer> | null = null;
  const unsubscribeKey = (): Promise<Buffer> => (key ??= loadUnsubscribeKey(deps.database.db).catch((err: unknown) => ((key = null), Promise.reject(err))));
  const ctx: Ctx = { ...deps, db: deps.database.db, log: deps.log.child({ module: "delivery" }), unsubscribeKey };
  let runner: Runner | null = null;
  let cleanup: Cleanup | null = null;
  const wake = (): void => runner?.wake();
  return {
    submit: (tx, s) => submit(ctx, tx, s),
    checkSendLimits: (db, account, recipients) => checkSendLimits(db, account, recipients, new Date(ctx.clock.now())),
    handleIncoming: (tx, m) => handleIncoming(ctx, tx, m),
    suppressions: suppressionList,
    idempotency: idempotencyKeys,
    preferences: {
      get: getPreference,
      set: (tx, accountId, address, p) => setPreference(tx, accountId, address, p, new Date(ctx.clock.now())),
    },
    async lookup(db, f) {
      const row = await latestSend(db, f);
      return row && toMessage(row);
    },
    unsubscribe: (token) => applyUnsubscribe(ctx, token),
    admin: createAdmin(ctx, wake),
    async start() {
      if (runner) return;
      runner = await startRunner({
        database: ctx.database,
        log: ctx.log,
        clock: ctx.clock,
        kinds: [deliveryJobKind],
        handler: createDeliveryHandler(ctx),
        concurrency: ctx.concurrency,
        metrics: ctx.metrics,
      });
      cleanup = startCleanup(ctx);
    },
    async stop(o) {
      cleanup?.stop();
      await runner?.stop(o);
      runner = null;
      cleanup = null;
    },
    wake,
  };
}
