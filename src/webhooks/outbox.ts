// The transactional outbox (mox-compat §2.7, reliability E3): the event log's in-transaction
// hook turns an event into a webhook row and its queue job in the transaction that appended the
// event, so a committed message or delivery outcome always has its webhook and a rolled-back
// one never does. A newer outgoing webhook for the same queue message supersedes a pending one.
import { randomBytes } from "node:crypto";
import type { Database, Tx } from "../db/index.js";
import type { AppendHook } from "../events/index.js";
import { cancelUnclaimedJobs, enqueue } from "../queue/index.js";
import { loadConfigRow, targetFor } from "./config.js";
import { insertWebhook, lockPendingForMessage, retireWebhooks, type NewWebhook, type WebhookRow } from "./queries.js";

/** Queue job kind of webhook deliveries; the job's limitKey is the URL. */
export const webhookJobKind = "webhook";

/** A fresh Standard Webhooks `webhook-id` (stable across retries and redeliveries of one webhook). */
export function newWebhookId(): string {
  return `msg_${randomBytes(16).toString("base64url")}`;
}

/**
 * Enqueues a webhook's job and inserts the pending webhook pointing at it, in the caller's
 * transaction. The handler finds the webhook by its job id; the payload only names it for people.
 */
export async function queueWebhook(database: Database, tx: Tx, w: NewWebhook, now: Date): Promise<WebhookRow> {
  const [jobId] = await enqueue(database, tx, [{ kind: webhookJobKind, payload: { webhookId: w.webhookId }, runAt: now, limitKey: w.url }]);
  return insertWebhook(tx, { ...w, jobId: jobId!, createdAt: now, lastActivity: now, nextAttemptAt: now });
}

/**
 * Retires the pending outgoing webhook of the same queue message as superseded by `byId`. Its
 * job is removed when no worker holds it; a job mid-delivery finishes, and its result is then
 * recorded on the retired row with "(superseded)" added (handler.ts).
 */
async function supersede(tx: Tx, accountId: number, queueMsgId: number, byId: number, now: Date): Promise<void> {
  const pending = (await lockPendingForMessage(tx, accountId, queueMsgId)).filter((r) => r.id !== byId);
  if (pending.length === 0) return;
  await cancelUnclaimedJobs(
    tx,
    pending.flatMap((r) => (r.jobId === null ? [] : [r.jobId])),
  );
  await retireWebhooks(tx, pending.map((r) => r.id), { accountId, status: "superseded", now, supersededById: byId });
}

/**
 * The event log's append hook: for an `incoming` event with an incoming URL, or an outgoing
 * event that passes the account's filter, a webhook row (URL and Authorization copied, payload
 * = the event's exact JSON) and its job. `onQueued` runs for each webhook queued (metrics, tests).
 */
export function createAppendHook(o: { database: Database; now: () => Date; onQueued?: (row: WebhookRow) => void }): AppendHook {
  return async (tx, ev) => {
    const cfg = await loadConfigRow(tx, ev.accountId);
    if (!cfg) return;
    const target = targetFor(cfg, ev.kind);
    if (!target) return;
    const now = o.now();
    const outgoing = ev.kind !== "incoming";
    const row = await queueWebhook(
      o.database,
      tx,
      {
        accountId: ev.accountId,
        webhookId: newWebhookId(),
        kind: outgoing ? "outgoing" : "incoming",
        event: ev.kind,
        eventId: ev.id,
        queueMsgId: outgoing ? (ev.queueMsgId ?? null) : null,
        messageId: ev.messageId ?? null,
        url: target.url,
        authorization: target.authorization,
        payload: ev.payload,
      },
      now,
    );
    // Incoming-message webhooks are never superseded (mox: QueueMsgID 0).
    if (outgoing && ev.queueMsgId) await supersede(tx, ev.accountId, ev.queueMsgId, row.id, now);
    o.onQueued?.(row);
  };
}
