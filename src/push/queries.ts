// Every statement on the push tables (db/schema/push.ts). The once-only arbiters are the
// conditional UPDATE of a push (state = 'PENDING') and the INSERT ... ON CONFLICT DO NOTHING of a
// global push's per-recipient row: of any number of connections on any number of processes,
// exactly one statement returns the row.
import { and, eq, inArray, sql } from "drizzle-orm";
import { type DbOrTx, type Tx, schema } from "../db/index.js";
import { at } from "./sql-time.js";

const { pushRecipients, pushMessages, pushGlobals, pushGlobalDeliveries } = schema;

/** A push row. */
export type PushMessageRow = typeof pushMessages.$inferSelect;
/** A global push row. */
export type PushGlobalRow = typeof pushGlobals.$inferSelect;

/** Registers (or finds) a recipient; returns its id. */
export async function upsertRecipient(db: DbOrTx, accountId: number, recipient: string): Promise<number> {
  const [r] = await db
    .insert(pushRecipients)
    .values({ accountId, recipient })
    .onConflictDoUpdate({ target: [pushRecipients.accountId, pushRecipients.recipient], set: { recipient } })
    .returning({ id: pushRecipients.id });
  return r!.id;
}

/** The ids of an account's recipients among `names` (missing ones are absent from the map). */
export async function findRecipients(db: DbOrTx, accountId: number, names: readonly string[]): Promise<Map<string, number>> {
  if (!names.length) return new Map();
  const rows = await db
    .select({ id: pushRecipients.id, recipient: pushRecipients.recipient })
    .from(pushRecipients)
    .where(and(eq(pushRecipients.accountId, accountId), inArray(pushRecipients.recipient, [...names])));
  return new Map(rows.map((r) => [r.recipient, r.id]));
}

/** Reserves `n` push ids (the payload names its id before the row is written). */
export async function reserveIds(tx: Tx, table: "push_messages" | "push_globals", n: number): Promise<number[]> {
  const rows = (await tx.execute(sql`select nextval(${`${table}_id_seq`}::regclass)::text as id from generate_series(1, ${n}::int)`)) as unknown as { id: string }[];
  return rows.map((r) => Number(r.id));
}

/** Writes pushes (ids reserved, events appended) in the caller's transaction. */
export async function insertPushMessages(tx: Tx, rows: (typeof pushMessages.$inferInsert)[]): Promise<void> {
  await tx.insert(pushMessages).values(rows);
}

/** Writes a global push in the caller's transaction. */
export async function insertPushGlobal(tx: Tx, row: typeof pushGlobals.$inferInsert): Promise<void> {
  await tx.insert(pushGlobals).values(row);
}

/** Cancels a PENDING, unexpired push; returns the row when this call cancelled it. */
export async function cancelPushMessage(db: DbOrTx, accountId: number, id: number, now: Date): Promise<PushMessageRow | null> {
  const [r] = await db
    .update(pushMessages)
    .set({ state: "CANCELLED", cancelledAt: now })
    .where(and(eq(pushMessages.id, id), eq(pushMessages.accountId, accountId), eq(pushMessages.state, "PENDING"), sql`${pushMessages.expiresAt} > ${at(now)}`))
    .returning();
  return r ?? null;
}

/** Cancels an uncancelled, unexpired global push; returns the row when this call cancelled it. */
export async function cancelPushGlobal(db: DbOrTx, accountId: number, id: number, now: Date): Promise<PushGlobalRow | null> {
  const [r] = await db
    .update(pushGlobals)
    .set({ cancelledAt: now })
    .where(and(eq(pushGlobals.id, id), eq(pushGlobals.accountId, accountId), sql`${pushGlobals.cancelledAt} is null`, sql`${pushGlobals.expiresAt} > ${at(now)}`))
    .returning();
  return r ?? null;
}

/** A push of the account by id, or null. */
export async function getPushMessage(db: DbOrTx, accountId: number, id: number): Promise<PushMessageRow | null> {
  const [r] = await db.select().from(pushMessages).where(and(eq(pushMessages.id, id), eq(pushMessages.accountId, accountId)));
  return r ?? null;
}

/** A global push of the account by id, or null. */
export async function getPushGlobal(db: DbOrTx, accountId: number, id: number): Promise<PushGlobalRow | null> {
  const [r] = await db.select().from(pushGlobals).where(and(eq(pushGlobals.id, id), eq(pushGlobals.accountId, accountId)));
  return r ?? null;
}

/**
 * The arbiter of a push: PENDING and unexpired becomes DELIVERED. Returns the ids this statement
 * moved (another connection, here or on another process, may have moved the rest first).
 */
export async function claimPushMessages(db: DbOrTx, ids: readonly number[], now: Date): Promise<number[]> {
  if (!ids.length) return [];
  const rows = await db
    .update(pushMessages)
    .set({ state: "DELIVERED", deliveredAt: now })
    .where(and(inArray(pushMessages.id, [...ids]), eq(pushMessages.state, "PENDING"), sql`${pushMessages.expiresAt} > ${at(now)}`))
    .returning({ id: pushMessages.id });
  return rows.map((r) => r.id);
}

/** State and expiry of pushes by id. */
export async function pushMessageStates(db: DbOrTx, ids: readonly number[]): Promise<{ id: number; state: string; expiresAt: Date }[]> {
  if (!ids.length) return [];
  return db.select({ id: pushMessages.id, state: pushMessages.state, expiresAt: pushMessages.expiresAt }).from(pushMessages).where(inArray(pushMessages.id, [...ids]));
}

/** Cancellation and expiry of global pushes by id. */
export async function pushGlobalStates(db: DbOrTx, ids: readonly number[]): Promise<{ id: number; cancelledAt: Date | null; expiresAt: Date }[]> {
  if (!ids.length) return [];
  return db.select({ id: pushGlobals.id, cancelledAt: pushGlobals.cancelledAt, expiresAt: pushGlobals.expiresAt }).from(pushGlobals).where(inArray(pushGlobals.id, [...ids]));
}

/**
 * The arbiter of global pushes: records (global, recipient) pairs whose global is live, each at
 * most once ever. Returns the pairs this statement recorded.
 */
export async function claimGlobalDeliveries(db: DbOrTx, pairs: readonly { globalId: number; recipientId: number }[], now: Date): Promise<{ globalId: number; recipientId: number }[]> {
  if (!pairs.length) return [];
  const rows = (await db.execute(sql`
    insert into push_global_deliveries (global_id, recipient_id, delivered_at)
    select p.g, p.r, ${at(now)} from jsonb_to_recordset(${JSON.stringify(pairs.map((p) => ({ g: p.globalId, r: p.recipientId })))}::jsonb) as p(g bigint, r bigint)
    join push_globals on push_globals.id = p.g and push_globals.cancelled_at is null and push_globals.expires_at > ${at(now)}
    on conflict do nothing
    returning global_id::text as g, recipient_id::text as r`)) as unknown as { g: string; r: string }[];
  return rows.map((r) => ({ globalId: Number(r.g), recipientId: Number(r.r) }));
}

/** Of these global pushes, the ones a recipient has already been delivered. */
export async function deliveredGlobals(db: DbOrTx, recipientId: number, globalIds: readonly number[]): Promise<Set<number>> {
  if (!globalIds.length) return new Set();
  const rows = await db
    .select({ id: pushGlobalDeliveries.globalId })
    .from(pushGlobalDeliveries)
    .where(and(eq(pushGlobalDeliveries.recipientId, recipientId), inArray(pushGlobalDeliveries.globalId, [...globalIds])));
  return new Set(rows.map((r) => r.id));
}

/**
 * The log position of the oldest push a recipient has yet to receive (a PENDING, unexpired push
 * to it, or a live global push of its account it was not delivered), or null when none.
 */
export async function oldestUndelivered(db: DbOrTx, accountId: number, recipientId: number, now: Date): Promise<{ txId: bigint; id: number } | null> {
  const rows = (await db.execute(sql`
    select tx::text as tx, id::text as id from (
      select event_tx_id as tx, event_id as id from push_messages
        where recipient_id = ${recipientId} and state = 'PENDING' and expires_at > ${at(now)} and event_id is not null
      union all
      select g.event_tx_id, g.event_id from push_globals g
        where g.account_id = ${accountId} and g.cancelled_at is null and g.expires_at > ${at(now)} and g.event_id is not null
          and not exists (select 1 from push_global_deliveries d where d.global_id = g.id and d.recipient_id = ${recipientId})
    ) u order by tx, id limit 1`)) as unknown as { tx: string; id: string }[];
  const r = rows[0];
  return r ? { txId: BigInt(r.tx), id: Number(r.id) } : null;
}
