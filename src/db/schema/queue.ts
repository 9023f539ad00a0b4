import { sql } from "drizzle-orm";
import { bigserial, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Durable jobs for every background kind (outgoing delivery, webhooks). A job is due when
 * runAt <= now and it is not locked (or its lock is older than the lock timeout). Claims set
 * lockedBy/lockedAt in one statement with FOR UPDATE SKIP LOCKED. Owner: queue.
 */
export const jobs = pgTable(
  "jobs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    kind: text("kind").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    /** Jobs with the same key are claimed together by handlers that batch (e.g. one SMTP transaction). */
    groupKey: text("group_key"),
    /** In-process concurrency key (e.g. webhook URL); claims can skip keys at capacity. */
    limitKey: text("limit_key"),
    runAt: timestamp("run_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    attempts: integer("attempts").notNull().default(0),
    lockedBy: text("locked_by"),
    lockedAt: timestamp("locked_at", { withTimezone: true, precision: 3 }),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index("jobs_due_idx").on(t.kind, t.runAt, t.id).where(sql`${t.lockedBy} is null`),
    index("jobs_locked_idx").on(t.lockedAt).where(sql`${t.lockedBy} is not null`),
    index("jobs_group_idx").on(t.groupKey).where(sql`${t.groupKey} is not null`),
  ],
);
