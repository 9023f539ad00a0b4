import { and, eq, lt, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../db/index.js";
import type { Snapshot } from "./position.js";

const { eventTokens } = schema;

/** A stored event-stream token (only its hash). */
export type EventTokenRow = typeof eventTokens.$inferSelect;

/** Stores a new token. */
export async function insertEventToken(db: DbOrTx, row: typeof eventTokens.$inferInsert): Promise<EventTokenRow> {
  const [r] = await db.insert(eventTokens).values(row).returning();
  return r!;
}

/** The token with this hash, or null. */
export async function findEventToken(db: DbOrTx, tokenHash: string): Promise<EventTokenRow | null> {
  const [r] = await db.select().from(eventTokens).where(eq(eventTokens.tokenHash, tokenHash));
  return r ?? null;
}

/** Deletes an account's expired tokens (run when a new one is minted, so the table stays small). */
export async function deleteExpiredEventTokens(db: DbOrTx, accountId: number, now: Date): Promise<void> {
  await db.delete(eventTokens).where(and(eq(eventTokens.accountId, accountId), lt(eventTokens.expiresAt, now)));
}

/**
 * The current transaction horizon (no table read): the oldest running transaction id and the
 * next one to be assigned. xmin = xmax means nothing was running, so every committed event was
 * visible to a read that started after this.
 */
export async function currentSnapshot(db: DbOrTx): Promise<Snapshot> {
  const rows = (await db.execute(
    sql`select pg_snapshot_xmin(s)::text as xmin, pg_snapshot_xmax(s)::text as xmax from pg_current_snapshot() s`,
  )) as unknown as { xmin: string; xmax: string }[];
  const r = rows[0]!;
  return { xmin: BigInt(r.xmin), xmax: BigInt(r.xmax) };
}
