// SQL on the webhooks table (the only place it is queried). Retiring is one UPDATE that also
// sets keepUntil; with a keep period of 0 the row is deleted instead (mox keeps nothing then).
import { and, desc, eq, getTableColumns, gte, inArray, isNotNull, lt, lte, ne, or, sql, type SQL } from "drizzle-orm";
import { jsonIds, placeholderValue, statement, type DbOrTx, type Tx, schema } from "../db/index.js";
import type { WebhookAttempt, WebhookKind, WebhookStatus } from "../db/schema/index.js";
import { getAccount } from "../store/index.js";

const { webhooks } = schema;

/** A webhook row, pending or retired. */
export type WebhookRow = typeof webhooks.$inferSelect;
/** What the outbox and redelivery insert. */
export type NewWebhook = Pick<typeof webhooks.$inferInsert, "accountId" | "originId" | "webhookId" | "kind" | "event" | "eventId" | "queueMsgId" | "messageId" | "url" | "authorization" | "payload">;
type InsertedWebhook = Required<NewWebhook> & { jobId: number; createdAt: Date; lastActivity: Date; nextAttemptAt: Date };
const insertedColumns: (keyof InsertedWebhook)[] = ["accountId", "originId", "webhookId", "kind", "event", "eventId", "queueMsgId", "messageId", "url",
  "authorization", "payload", "jobId", "createdAt", "lastActivity", "nextAttemptAt"];

const insertWebhookRow = statement<InsertedWebhook, WebhookRow[]>("insert_webhook", (d) =>
  d
    .insert(webhooks)
    .values(Object.fromEntries(insertedColumns.map((k) => [k, sql.placeholder(k)])) as unknown as InsertedWebhook)
    .returning(),
);

/** Inserts a pending webhook delivered by job `jobId`. */
export async function insertWebhook(tx: Tx, w: NewWebhook & { jobId: number; createdAt: Date; lastActivity: Date; nextAttemptAt: Date }): Promise<WebhookRow> {
  const [row] = await insertWebhookRow(tx, {
    ...w,
    originId: w.originId ?? null,
    eventId: w.eventId ?? null,
    queueMsgId: w.queueMsgId ?? null,
    messageId: w.messageId ?? null,
    authorization: w.authorization ?? "",
  });
  return row!;
}

/**
 * Locks the live outgoing webhooks of a queue message: the pending one (at most one in
 * practice) and superseded ones whose POST is still running (they keep their job id until it
 * ends). Events of one message are appended by transactions that first update that message's
 * row, so they are already serialized; the row locks keep a handler from changing them under us.
 */
export async function lockLiveForMessage(tx: Tx, accountId: number, queueMsgId: number): Promise<WebhookRow[]> {
  const w = webhooks;
  return tx
    .select()
    .from(w)
    .where(
      and(
        eq(w.accountId, accountId),
        eq(w.queueMsgId, queueMsgId),
        eq(w.kind, "outgoing"),
        or(eq(w.status, "pending"), and(eq(w.status, "superseded"), isNotNull(w.jobId))),
      ),
    )
    .orderBy(w.id)
    .for("update");
}

/**
 * Ends the POST of a superseded webhook delivered by job `jobId` (its job id is cleared).
 * Returns the messages it belonged to, whose next webhook may now go.
 */
export async function endInFlight(tx: Tx, jobId: number): Promise<{ accountId: number; queueMsgId: number | null }[]> {
  return tx
    .update(webhooks)
    .set({ jobId: null })
    .where(and(eq(webhooks.jobId, jobId), ne(webhooks.status, "pending")))
    .returning({ accountId: webhooks.accountId, queueMsgId: webhooks.queueMsgId });
}

/** Loads one webhook. */
export async function loadWebhook(db: DbOrTx, id: number): Promise<WebhookRow | null> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
  return row ?? null;
}

/** Loads and row-locks one webhook inside a transaction. */
export async function lockWebhook(tx: Tx, id: number): Promise<WebhookRow | null> {
  const [row] = await tx.select().from(webhooks).where(eq(webhooks.id, id)).for("update");
  return row ?? null;
}

/** Error text of an attempt whose result never came (the process stopped during the POST). */
export const interruptedError = "no result: the process stopped during the attempt";

/** A webhook whose attempt was counted, with what the POST needs from its account's settings. */
export type StartedAttempt = WebhookRow & {
  /** The account's current secrets: rotation applies to pending webhooks too. */
  secrets: string[];
  /** Set when the receiver at this URL disabled the target with a 410. */
  disabledReason: string | null;
};

/**
 * Counts an attempt and records a placeholder result before the POST, committed before it, so a
 * crash during the POST leaves the attempt visible and the retry numbered after it. One
 * statement for several jobs (attempts starting together): each webhook is the pending one
 * delivered by its job. Returns, by job id, the row (attempts = this attempt's number) with the
 * account's secrets and 410 state; a job with no pending webhook is missing.
 */
export async function beginAttempts(db: DbOrTx, list: { jobId: number; start: Date }[]): Promise<Map<number, StartedAttempt>> {
  const out = new Map<number, StartedAttempt>();
  if (list.length === 0) return out;
  const rows = await beginAttemptRows(db, { list: JSON.stringify(list.map((x) => ({ job_id: x.jobId, start: x.start.toISOString() }))) });
  for (const row of rows) out.set(row.jobId!, { ...row, secrets: row.secrets ?? [] });
  return out;
}

const beginAttemptRows = statement<{ list: string }, (WebhookRow & { secrets: string[] | null; disabledReason: string | null })[]>(
  "begin_webhook_attempts",
  (d) => {
    const w = webhooks;
    const c = schema.webhookConfigs;
    const placeholder = sql`jsonb_build_array(jsonb_build_object(
      'attempt', ${w.attempts} + 1, 'start', v.start, 'durationMs', 0, 'url', ${w.url},
      'success', false, 'code', 0, 'error', ${interruptedError}::text, 'response', ''))`;
    const cfg = (expr: SQL) => sql`(select ${expr} from ${c} where ${c.accountId} = ${w.accountId})`;
    return d
      .update(w)
      .set({ attempts: sql`${w.attempts} + 1`, lastAttemptAt: sql`v.start::timestamptz`, lastActivity: sql`v.start::timestamptz`, results: sql`${w.results} || ${placeholder}` })
      .from(sql`jsonb_to_recordset(${sql.placeholder("list")}::jsonb) as v(job_id bigint, start text)`)
      .where(and(sql`${w.jobId} = any(${jsonIds("list", "job_id")}) and ${w.jobId} = v.job_id`, eq(w.status, "pending")))
      .returning({
        ...getTableColumns(w),
        secrets: sql<string[] | null>`${cfg(sql`${c.secrets}`)}`,
        disabledReason: sql<string | null>`${cfg(sql`case
          when ${w.kind} = 'incoming' and ${c.incomingDisabledAt} is not null and ${c.incomingUrl} = ${w.url} then ${c.incomingDisabledReason}
          when ${w.kind} = 'outgoing' and ${c.outgoingDisabledAt} is not null and ${c.outgoingUrl} = ${w.url} then ${c.outgoingDisabledReason}
        end`)}`,
      });
  },
);

/**
 * Takes back an attempt counted by {@link beginAttempts} whose POST never started (the process
 * is stopping): the count goes down and its placeholder result goes, so the job is handed back
 * unattempted. Only while the webhook is still pending with that count.
 */
export async function undoAttempt(db: DbOrTx, id: number, attempt: number): Promise<boolean> {
  return (await undoAttemptRow(db, { id, attempt })).length > 0;
}

const undoAttemptRow = statement<{ id: number; attempt: number }, { id: number }[]>("undo_webhook_attempt", (d) => {
  const w = webhooks;
  const placeholderLast = sql`(${w.results} -> -1 ->> 'attempt')::int = ${sql.placeholder("attempt")}`;
  return d
    .update(w)
    .set({
      attempts: sql`${w.attempts} - 1`,
      results: sql`(case when ${placeholderLast} then ${w.results} - -1 else ${w.results} end)`,
      // The previous attempt's start (null before the first), as it was before the count.
      lastAttemptAt: sql`(case when ${placeholderLast} then (${w.results} -> -2 ->> 'start')::timestamptz else ${w.lastAttemptAt} end)`,
    })
    .where(and(eq(w.id, sql.placeholder("id")), eq(w.status, "pending"), eq(w.attempts, sql.placeholder("attempt"))))
    .returning({ id: w.id });
});

/** The results with attempt `r.attempt`'s placeholder replaced by `r` (appended when missing). */
export function withResult(results: readonly WebhookAttempt[], r: WebhookAttempt): WebhookAttempt[] {
  const i = results.findLastIndex((x) => x.attempt === r.attempt);
  return i < 0 ? [...results, r] : [...results.slice(0, i), r, ...results.slice(i + 1)];
}

/** The outcome of one attempt on a pending webhook: retried at `next`, or retired with `status`. */
export type Settlement = { id: number; entry: WebhookAttempt; now: Date } & ({ next: Date } | { status: "delivered" | "failed"; keepMs: number });

/**
 * The fast path of recording attempts on webhooks that are still pending, one statement per
 * kind of outcome (retry, retire, delete) for all of them: each placeholder (the last result,
 * same attempt number) is replaced by the attempt's entry. A final status with a keep period of
 * 0 deletes the row instead. Returns the ids recorded; a webhook missing from it is not pending
 * any more (superseded during the POST) and the caller takes the locking path for it.
 */
export async function settlePending(tx: Tx, list: Settlement[]): Promise<Set<number>> {
  const retry: object[] = [], retire: object[] = [], remove: number[] = [];
  for (const s of list) {
    const common = { id: s.id, attempt: s.entry.attempt, result: [s.entry], now: s.now.toISOString() };
    if ("next" in s) retry.push({ ...common, next: s.next.toISOString() });
    else if (s.keepMs <= 0) remove.push(s.id);
    else retire.push({ ...common, status: s.status, keep_until: new Date(s.now.getTime() + s.keepMs).toISOString() });
  }
  const [a, b, c] = await Promise.all([
    retry.length ? settleRetry(tx, { list: JSON.stringify(retry) }) : [],
    retire.length ? settleRetired(tx, { list: JSON.stringify(retire) }) : [],
    remove.length ? deletePending(tx, { list: JSON.stringify(remove) }) : [],
  ]);
  return new Set([...a, ...b, ...c].map((r) => r.id));
}

const settled = (cols: string) => sql`jsonb_to_recordset(${sql.placeholder("list")}::jsonb) as v(id bigint, attempt int, result jsonb, now timestamptz${sql.raw(cols)})`;
const pendingIn = () => and(sql`${webhooks.id} = any(${jsonIds("list", "id")}) and ${webhooks.id} = v.id`, eq(webhooks.status, "pending"));
// The placeholder of the attempt (the last result, same attempt number) replaced by the result.
const resultsWith = () => sql`(case when (${webhooks.results} -> -1 ->> 'attempt')::int = v.attempt then ${webhooks.results} - -1 else ${webhooks.results} end) || v.result`;
const deletePending = statement<{ list: string }, { id: number }[]>("delete_pending_webhooks", (d) =>
  d
    .delete(webhooks)
    .where(and(sql`${webhooks.id} = any(${jsonIds("list")})`, eq(webhooks.status, "pending")))
    .returning({ id: webhooks.id }),
);
const settleRetired = statement<{ list: string }, { id: number }[]>("settle_webhooks", (d) =>
  d
    .update(webhooks)
    .set({ status: sql`v.status`, jobId: null, nextAttemptAt: null, keepUntil: sql`v.keep_until`, results: resultsWith(), lastActivity: sql`v.now` })
    .from(settled(", status text, keep_until timestamptz"))
    .where(pendingIn())
    .returning({ id: webhooks.id }),
);
const settleRetry = statement<{ list: string }, { id: number }[]>("settle_webhooks_retry", (d) =>
  d
    .update(webhooks)
    .set({ nextAttemptAt: sql`v.next`, results: resultsWith(), lastActivity: sql`v.now` })
    .from(settled(", next timestamptz"))
    .where(pendingIn())
    .returning({ id: webhooks.id }),
);

/** Records the late result of a superseded webhook; its POST has ended, so its job id goes. */
export async function setResults(tx: Tx, id: number, results: WebhookAttempt[], now: Date): Promise<void> {
  await tx.update(webhooks).set({ results, lastActivity: now, jobId: null }).where(eq(webhooks.id, id));
}

/** How long an account keeps retired webhooks; 7 days when the account is gone (mox). */
export async function keepPeriod(tx: DbOrTx, accountId: number): Promise<number> {
  const acc = await getAccount(tx, accountId);
  return acc ? acc.settings.keepRetiredWebhookMs : 7 * 24 * 3_600_000;
}

/** Retires webhooks with a final status; deleted at once when the account keeps nothing. */
export async function retireWebhooks(
  tx: Tx,
  ids: number[],
  o: {
    accountId: number;
    status: Exclude<WebhookStatus, "pending">;
    now: Date;
    results?: WebhookAttempt[];
    supersededById?: number;
    /** Their POST is still running: keep the job id (and the row, whatever the keep period) until it ends. */
    inFlight?: boolean;
  },
): Promise<void> {
  if (ids.length === 0) return;
  const keep = await keepPeriod(tx, o.accountId);
  if (keep <= 0 && !o.inFlight) {
    await tx.delete(webhooks).where(inArray(webhooks.id, ids));
    return;
  }
  await tx
    .update(webhooks)
    .set({
      status: o.status,
      ...(o.inFlight ? {} : { jobId: null }),
      nextAttemptAt: null,
      lastActivity: o.now,
      keepUntil: new Date(o.now.getTime() + Math.max(0, keep)),
      ...(o.results ? { results: o.results } : {}),
      ...(o.supersededById !== undefined ? { supersededById: o.supersededById } : {}),
    })
    .where(inArray(webhooks.id, ids));
}

/** Filter of {@link listWebhooks}; empty strings and null mean "any". */
export type WebhookFilter = {
  accountId: number;
  kind: WebhookKind | "";
  event: string;
  /** A status, or "retired" for every final status. */
  status: WebhookStatus | "retired" | "";
  since: Date | null;
  until: Date | null;
  /** Rows with a smaller id than this (the previous page's last). */
  beforeId: number | null;
  limit: number;
  /** Only the webhooks about this outgoing message (QueueMsgID). */
  queueMsgId?: number;
};

/** Webhooks of an account, newest first. */
export async function listWebhooks(db: DbOrTx, f: WebhookFilter): Promise<WebhookRow[]> {
  const w = webhooks;
  const conds: SQL[] = [eq(w.accountId, f.accountId)];
  if (f.kind) conds.push(eq(w.kind, f.kind));
  if (f.event) conds.push(eq(w.event, f.event));
  if (f.status === "retired") conds.push(ne(w.status, "pending"));
  else if (f.status) conds.push(eq(w.status, f.status));
  if (f.since) conds.push(gte(w.createdAt, f.since));
  if (f.until) conds.push(lte(w.createdAt, f.until));
  if (f.beforeId !== null) conds.push(lt(w.id, f.beforeId));
  if (f.queueMsgId !== undefined) conds.push(eq(w.queueMsgId, f.queueMsgId));
  return db.select().from(w).where(and(...conds)).orderBy(desc(w.id)).limit(f.limit);
}

/** Removes retired webhooks past keepUntil; returns how many. */
export async function removeExpired(db: DbOrTx, now: Date): Promise<number> {
  const r = await db
    .delete(webhooks)
    .where(and(isNotNull(webhooks.keepUntil), lt(webhooks.keepUntil, now)))
    .returning({ id: webhooks.id });
  return r.length;
}
