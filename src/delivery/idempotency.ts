// Send's idempotency keys (docs/api.md "IdempotencyKey"): a stored first answer per account and
// key, valid 24 h. The row is written inside the submission's transaction, after the
// submission, by one statement that also takes over an expired row: when a live row exists
// (committed by an earlier Send, or by a concurrent one this statement waited for on the
// primary key) nothing is written and the caller's transaction must roll back.
import { and, eq, lt, sql } from "drizzle-orm";
import { placeholderValue, schema, statement, type DbOrTx, type Tx } from "../db/index.js";
import { DeliveryError } from "./errors.js";

const { sendIdempotency: si } = schema;

/** How long a key answers with its first result (24 h). */
export const idempotencyTtlMs = 24 * 3_600_000;

/** A stored first answer. */
export type IdempotentAnswer = { requestHash: string; response: string; createdAt: Date };

/** The idempotency key store of Send. */
export type IdempotencyKeys = {
  /** The live (under 24 h old) answer stored for a key, or null. */
  lookup(db: DbOrTx, accountId: number, key: string, now: Date): Promise<IdempotentAnswer | null>;
  /**
   * Records the answer inside the Send's transaction.
   * @throws DeliveryError `idempotentRepeat` when a live answer exists: roll back and look it up.
   */
  record(tx: Tx, accountId: number, key: string, a: IdempotentAnswer): Promise<void>;
  /** Removes keys past 24 h; returns how many. */
  removeExpired(db: DbOrTx, now: Date): Promise<number>;
};

// Every keyed Send runs the record: built once (db/statements.ts).
type RecordValues = { accountId: number; key: string; requestHash: string; response: string; createdAt: Date; expiredBefore: string };
const recordOnce = statement<RecordValues, { key: string }[]>("record_send_idempotency", (d) =>
  d
    .insert(si)
    .values({
      accountId: placeholderValue("accountId"),
      key: placeholderValue("key"),
      requestHash: placeholderValue("requestHash"),
      response: placeholderValue("response"),
      createdAt: placeholderValue("createdAt"),
    })
    .onConflictDoUpdate({
      target: [si.accountId, si.key],
      set: { requestHash: sql`excluded.request_hash`, response: sql`excluded.response`, createdAt: sql`excluded.created_at` },
      setWhere: sql`${si.createdAt} < ${sql.placeholder("expiredBefore")}::timestamptz`,
    })
    .returning({ key: si.key }),
);

/** The store over the send_idempotency table. */
export const idempotencyKeys: IdempotencyKeys = {
  async lookup(db, accountId, key, now) {
    const [r] = await db
      .select({ requestHash: si.requestHash, response: si.response, createdAt: si.createdAt })
      .from(si)
      .where(and(eq(si.accountId, accountId), eq(si.key, key)));
    return r && now.getTime() - r.createdAt.getTime() < idempotencyTtlMs ? r : null;
  },
  async record(tx, accountId, key, a) {
    const expiredBefore = new Date(a.createdAt.getTime() - idempotencyTtlMs);
    // A concurrent insert of the same key makes this wait until that transaction ends: then the
    // live row wins (nothing returned), or, rolled back, this one inserts.
    const rows = await recordOnce(tx, { accountId, key, requestHash: a.requestHash, response: a.response, createdAt: a.createdAt, expiredBefore: expiredBefore.toISOString() });
    if (rows.length === 0) throw new DeliveryError("idempotentRepeat", `idempotency key ${JSON.stringify(key)} already answered`);
  },
  async removeExpired(db, now) {
    const gone = await db
      .delete(si)
      .where(lt(si.createdAt, new Date(now.getTime() - idempotencyTtlMs)))
      .returning({ key: si.key });
    return gone.length;
  },
};
