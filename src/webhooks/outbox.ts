// The transactional outbox (docs/contract.md §2.7, docs/guarantees.md E3): the event log's in-transaction
// hook turns an event into a webhook row and its queue job in the transaction that appended the
// event, so a committed message or delivery outcome always has its webhook and a rolled-back
// one never does. A newer outgoing webhook for the same queue message supersedes a pending one.
import { randomBytes } from "node:crypto";
import type { Database, Tx } from "../db/index.js";
import type { AppendHook } from "../events/index.js";
import { cancelUnclaimedJobs, enqueue, setJobsRunAt } from "../queue/index.js";
import { loadConfigRow, targetFor } from "./config.js";
import { insertWebhook, lockLiveForMessage, retireWebhooks, type NewWebhook, type WebhookRow } from "./queries.js";

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
 * Retires the pending outgoing webhook of the same queue message as superseded by `next`. Its
 * job is removed when no worker holds it; a POST already running finishes, its result is then
 * recorded on the retired row with "(superseded)" added, and until then `next` waits (at most
 * `holdMs`, the lock timeout), so a message's webhooks never overtake each other.
 */
async function supersede(tx: Tx, next: WebhookRow, now: Date, holdMs: number): Promise<void> {
  const live = (await lockLiveForMessage(tx, next.accountId, next.queueMsgId!)).filter((r) => r.id !== next.id);
  const pending = live.filter((r) => r.status === "pending");
  const canceled = new Set(await cancelUnclaimedJobs(tx, pending.flatMap((r) => (r.jobId === null ? [] : [r.jobId]))));
  const busy = pending.filter((r) => r.jobId !== null && !canceled.has(r.jobId));
  const idle = pending.filter((r) => !busy.includes(r));
  const retired = { accountId: next.accountId, status: "superseded" as const, now, supersededById: next.id };
  await retireWebhooks(tx, idle.map((r) => r.id), retired);
  await retireWebhooks(tx, busy.map((r) => r.id), { ...retired, inFlight: true });
  if (busy.length > 0 || live.some((r) => r.status === "superseded")) await setJobsRunAt(tx, [next.jobId!], new Date(now.getTime() + holdMs));
}

/**
 * After the POST of a superseded webhook ended: when no other POST of that message is still
 * running, its pending webhook (held by {@link supersede}) may go now. Returns how many were
 * released (the caller wakes the queue runner after its commit).
 */
export async function releaseSuccessor(tx: Tx, accountId: number, queueMsgId: number | null, now: Date): Promise<number> {
  if (queueMsgId === null) return 0;
  const live = await lockLiveForMessage(tx, accountId, queueMsgId);
  if (live.some((r) => r.status === "superseded")) return 0;
  const held = live.filter((r) => r.status === "pending" && r.attempts === 0 && r.jobId !== null);
  return setJobsRunAt(tx, held.map((r) => r.jobId!), now);
}

/**
 * The event log's append hook: for an `incoming` event with an incoming URL, or an outgoing
 * event that passes the account's filter, a webhook row (URL and Authorization copied, payload
 * = the event's exact JSON) and its job. `onQueued` runs for each webhook queued (metrics, tests).
 */
export function createAppendHook(o: {
  database: Database;
  now: () => Date;
  /** Longest wait of a webhook behind a superseded one still being POSTed (the queue's lock timeout). */
  holdMs: number;
  onQueued?: (row: WebhookRow) => void;
}): AppendHook {
  return async (tx, ev) => {
    if (ev.kind === "push") return; // app push messages go to WebSocket connections only
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
    if (outgoing && ev.queueMsgId) await supersede(tx, row, now, o.holdMs);
    o.onQueued?.(row);
  };
}
