// SQL on the outbound tables (owner: delivery). Everything takes the caller's db or tx.
import { and, asc, desc, eq, inArray, isNotNull, lt, ne, sql, type SQL } from "drizzle-orm";
import { placeholderValue, statement, type DbOrTx, type Tx, schema } from "../db/index.js";
import type { DeliveryResult, OutboundStatus } from "../db/schema/index.js";
import type { QueueFilter, QueueState } from "./types.js";

const { outboundMessages: om, outboundRaws } = schema;

/** A row of outbound_messages. */
export type OutboundRow = typeof om.$inferSelect;
/** What submit inserts. */
export type NewOutbound = typeof om.$inferInsert;

// Serializes id allocation so the ids of one submission are consecutive (mox: Submissions get
// consecutive QueueMsgIDs). Held until the caller's transaction ends; sequences themselves
// are not transactional, so concurrent submissions would otherwise interleave.
const idLockKey = 7305520332;

/** Allocates `n` consecutive outbound message ids inside tx. */
export async function allocateIds(tx: Tx, n: number): Promise<number[]> {
  // One id is consecutive by itself: no lock (and no wait behind other submissions).
  if (n > 1) await tx.execute(sql`select pg_advisory_xact_lock(${idLockKey})`);
  const rows = await tx.execute(
    sql`select nextval(pg_get_serial_sequence('outbound_messages', 'id'))::bigint as id from generate_series(1, ${n})`,
  );
  return (rows as unknown as { id: string | number }[]).map((r) => Number(r.id)).sort((a, b) => a - b);
}

// Every Send and submission runs these, every delivery attempt the loads and the retire: built
// once (db/statements.ts; drizzle spends more CPU building them than PostgreSQL running them).
const insertRawOnce = statement<{ raw: Buffer; size: number }, { id: number }[]>("insert_outbound_raw", (d) =>
  d.insert(outboundRaws).values({ raw: placeholderValue("raw"), size: placeholderValue("size") }).returning({ id: outboundRaws.id }),
);

/** Stores a submission's raw message once; returns its id. */
export async function insertRaw(tx: DbOrTx, raw: Buffer): Promise<number> {
  const [r] = await insertRawOnce(tx, { raw, size: raw.length });
  return r!.id;
}

/** The columns submit sets on every outbound row (the rest take their defaults). */
export type SubmitOutbound = Required<
  Pick<
    NewOutbound,
    | "id" | "baseId" | "accountId" | "mailFrom" | "msgFrom" | "fromId" | "recipient" | "recipientDomain" | "messageId"
    | "subject" | "rawId" | "extra" | "requireTls" | "source" | "jobId" | "queuedAt" | "nextAttemptAt" | "lastActivity"
    | "uniqueId" | "categories"
  >
>;
const submitColumns = [
  "id", "baseId", "accountId", "mailFrom", "msgFrom", "fromId", "recipient", "recipientDomain", "messageId",
  "subject", "rawId", "extra", "requireTls", "source", "jobId", "queuedAt", "nextAttemptAt", "lastActivity",
  "uniqueId", "categories",
] as const satisfies readonly (keyof SubmitOutbound)[];
const insertOneOutbound = statement<SubmitOutbound, OutboundRow[]>("insert_outbound", (d) =>
  d
    .insert(om)
    .values(Object.fromEntries(submitColumns.map((c) => [c, placeholderValue(c)])) as unknown as NewOutbound)
    .returning(),
);

/** Inserts outbound rows (ids already allocated); returns them in id order. */
export async function insertOutbound(tx: DbOrTx, rows: SubmitOutbound[]): Promise<OutboundRow[]> {
  if (rows.length === 0) return [];
  // One recipient is the common case (a webapi Send to one address, most submissions).
  const out = rows.length === 1 ? await insertOneOutbound(tx, rows[0]!) : await tx.insert(om).values(rows).returning();
  return out.sort((a, b) => a.id - b.id);
}

/** Whether a FromID is used by a live or retired message. */
export async function fromIdTaken(tx: DbOrTx, fromId: string): Promise<boolean> {
  const r = await tx.select({ id: om.id }).from(om).where(eq(om.fromId, fromId)).limit(1);
  return r.length > 0;
}

const loadOneOutbound = statement<{ id: number }, OutboundRow[]>("load_outbound", (d) => d.select().from(om).where(eq(om.id, sql.placeholder("id"))));
const loadRawOnce = statement<{ id: number }, { raw: Buffer }[]>("load_outbound_raw", (d) =>
  d.select({ raw: outboundRaws.raw }).from(outboundRaws).where(eq(outboundRaws.id, sql.placeholder("id"))),
);

const loadOneWithRaw = statement<{ id: number }, { row: OutboundRow; raw: Buffer | null }[]>("load_outbound_with_raw", (d) =>
  d
    .select({ row: om, raw: outboundRaws.raw })
    .from(om)
    .leftJoin(outboundRaws, eq(outboundRaws.id, om.rawId))
    .where(eq(om.id, sql.placeholder("id"))),
);

/** One row with its raw message bytes (null when the body is missing), in one statement. */
export async function loadOutboundWithRaw(db: DbOrTx, id: number): Promise<{ row: OutboundRow; raw: Buffer | null } | null> {
  const [r] = await loadOneWithRaw(db, { id });
  return r ?? null;
}

/** Rows by id, in id order. */
export async function loadOutbound(db: DbOrTx, ids: number[]): Promise<OutboundRow[]> {
  if (ids.length === 0) return [];
  if (ids.length === 1) return loadOneOutbound(db, { id: ids[0]! });
  return db.select().from(om).where(inArray(om.id, ids)).orderBy(asc(om.id));
}

/** The raw message bytes. */
export async function loadRaw(db: DbOrTx, rawId: number): Promise<Buffer | null> {
  const [r] = await loadRawOnce(db, { id: rawId });
  return r?.raw ?? null;
}

// Both take the value as a bound parameter or a placeholder (the built-once retire below).
const appendResultsSql = (list: unknown): SQL => sql`${om.results} || ${list}::jsonb`;
const appendResult = (r: DeliveryResult): SQL => appendResultsSql(JSON.stringify([r]));

// keepUntil = now + the sender account's keepRetiredMessageMs (default 7 days), in the UPDATE.
const keepUntilFromSql = (nowText: unknown): SQL =>
  sql`${nowText}::timestamptz + make_interval(secs => coalesce((select (a.settings->>'keepRetiredMessageMs')::float8 from accounts a where a.id = ${om.accountId}), 604800000) / 1000.0)`;
const keepUntilSql = (now: Date): SQL => keepUntilFromSql(now.toISOString());

// The delivery outcome's retire (a result and an attempt count), built once.
type RetireValues = { id: number; status: string; now: Date; nowText: string; result: string; attempts: number; lastAttemptAt: Date };
const retireAttempted = statement<RetireValues, OutboundRow[]>("retire_outbound", (d) =>
  d
    .update(om)
    .set({
      status: placeholderValue("status"),
      jobId: null,
      lastActivity: placeholderValue("now"),
      keepUntil: keepUntilFromSql(sql.placeholder("nowText")),
      results: appendResultsSql(sql.placeholder("result")),
      attempts: placeholderValue("attempts"),
      lastAttemptAt: placeholderValue("lastAttemptAt"),
    })
    .where(and(eq(om.id, sql.placeholder("id")), eq(om.status, "queued")))
    .returning(),
);

/**
 * Retires a queued row with its final status and result, kept for the sender account's keep
 * period. Returns the updated row, or null when it was not queued any more (another worker or
 * an admin action got there first).
 */
export async function retireRow(
  tx: Tx,
  id: number,
  o: { status: Exclude<OutboundStatus, "queued">; result: DeliveryResult | null; attempts?: number; now: Date },
): Promise<OutboundRow | null> {
  if (o.result && o.attempts !== undefined) {
    const values = { id, status: o.status, now: o.now, nowText: o.now.toISOString(), result: JSON.stringify([o.result]), attempts: o.attempts, lastAttemptAt: new Date(o.result.start) };
    const [r] = await retireAttempted(tx, values);
    return r ?? null;
  }
  const set: Record<string, unknown> = { status: o.status, jobId: null, lastActivity: o.now, keepUntil: keepUntilSql(o.now) };
  if (o.result) set.results = appendResult(o.result);
  if (o.attempts !== undefined) set.attempts = o.attempts;
  if (o.result && o.attempts !== undefined) set.lastAttemptAt = new Date(o.result.start);
  const [r] = await tx
    .update(om)
    .set(set)
    .where(and(eq(om.id, id), eq(om.status, "queued")))
    .returning();
  return r ?? null;
}

/** Records a temporary failure of a queued row and its next attempt time. */
export async function delayRow(
  tx: Tx,
  id: number,
  o: { result: DeliveryResult; attempts: number; now: Date; nextAttemptAt: Date },
): Promise<OutboundRow | null> {
  const [r] = await tx
    .update(om)
    .set({
      results: appendResult(o.result),
      attempts: o.attempts,
      lastAttemptAt: new Date(o.result.start),
      lastActivity: o.now,
      nextAttemptAt: o.nextAttemptAt,
    })
    .where(and(eq(om.id, id), eq(om.status, "queued")))
    .returning();
  return r ?? null;
}

/** Appends a result to a retired row (an incoming DSN about it). */
export async function noteOnRetired(tx: Tx, id: number, result: DeliveryResult, now: Date): Promise<void> {
  await tx.update(om).set({ results: appendResult(result), lastActivity: now }).where(eq(om.id, id));
}

/** Whether the latest two other retired messages to this exact address both failed (mox §3.5). */
export async function lastTwoFailed(tx: DbOrTx, recipient: string, excludeId: number): Promise<boolean> {
  const rows = await tx
    .select({ status: om.status })
    .from(om)
    .where(and(sql`lower(${om.recipient}) = ${recipient.toLowerCase()}`, ne(om.id, excludeId), ne(om.status, "queued")))
    .orderBy(desc(om.lastActivity), desc(om.id))
    .limit(2);
  return rows.length === 2 && rows.every((r) => r.status !== "delivered");
}

/** The retired message with a FromID, if any (incoming DSN matching). */
export async function retiredByFromId(tx: DbOrTx, fromId: string): Promise<OutboundRow | null> {
  const [r] = await tx
    .select()
    .from(om)
    .where(and(eq(om.fromId, fromId), ne(om.status, "queued")));
  return r ?? null;
}

/** Sets or clears hold on queued rows; returns the changed rows. */
export async function setHold(tx: Tx, ids: number[], hold: boolean): Promise<OutboundRow[]> {
  if (ids.length === 0) return [];
  return tx
    .update(om)
    .set({ hold })
    .where(and(inArray(om.id, ids), eq(om.status, "queued"), ne(om.hold, hold)))
    .returning();
}

/** Sets the next attempt time shown for queued rows. */
export async function setNextAttempt(tx: DbOrTx, ids: number[], at: Date): Promise<void> {
  if (ids.length) await tx.update(om).set({ nextAttemptAt: at }).where(inArray(om.id, ids));
}

/** Queued or retired rows for the admin, newest first. */
export async function listOutbound(db: DbOrTx, f: QueueFilter): Promise<OutboundRow[]> {
  const conds: SQL[] = [];
  if (f.ids?.length) conds.push(inArray(om.id, f.ids));
  if (f.accountId !== undefined) conds.push(eq(om.accountId, f.accountId));
  if (f.status?.length) conds.push(inArray(om.status, f.status));
  if (f.retired === true) conds.push(ne(om.status, "queued"));
  if (f.retired === false) conds.push(eq(om.status, "queued"));
  if (f.recipient !== undefined) conds.push(sql`lower(${om.recipient}) = ${f.recipient.toLowerCase()}`);
  if (f.beforeId !== undefined) conds.push(lt(om.id, f.beforeId));
  if (f.state) conds.push(stateCondition(f.state, f.now ?? new Date()));
  return db
    .select()
    .from(om)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(om.id))
    .limit(f.limit ?? 1000);
}

/** The SQL of a {@link QueueState}, as of `now` (see QueueState for the meanings). */
function stateCondition(state: QueueState, now: Date): SQL {
  const queued = eq(om.status, "queued");
  if (state === "held") return and(queued, eq(om.hold, true))!;
  const ahead = sql`${om.nextAttemptAt} > ${now.toISOString()}::timestamptz`;
  const notHeld = eq(om.hold, false);
  if (state === "scheduled") return and(queued, notHeld, eq(om.attempts, 0), ahead)!;
  if (state === "delayed") return and(queued, notHeld, sql`${om.attempts} > 0`, ahead)!;
  return and(queued, notHeld, sql`${om.nextAttemptAt} <= ${now.toISOString()}::timestamptz`)!;
}

/** The latest message of an account to a recipient, optionally with a UniqueID and a category (SendLookup). */
export async function latestSend(db: DbOrTx, f: { accountId: number; recipient: string; uniqueId: string; category: string }): Promise<OutboundRow | null> {
  const conds: SQL[] = [eq(om.accountId, f.accountId), sql`lower(${om.recipient}) = ${f.recipient.toLowerCase()}`];
  if (f.uniqueId) conds.push(eq(om.uniqueId, f.uniqueId));
  if (f.category) conds.push(sql`${f.category} = any(${om.categories})`);
  const [r] = await db.select().from(om).where(and(...conds)).orderBy(desc(om.id)).limit(1);
  return r ?? null;
}

/** Removes retired rows past keepUntil, then raw bodies no row refers to. Returns rows removed. */
export async function removeExpired(db: DbOrTx, now: Date): Promise<number> {
  const gone = await db
    .delete(om)
    .where(and(isNotNull(om.keepUntil), lt(om.keepUntil, now)))
    .returning({ id: om.id });
  await db.execute(
    sql`delete from outbound_raws r where not exists (select 1 from outbound_messages m where m.raw_id = r.id)`,
  );
  return gone.length;
}
