import { bigint, index, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { accounts } from "./store.js";

/**
 * Send's idempotency keys (docs/api.md, Send `IdempotencyKey`): the first answer to a key, kept
 * 24 h, so a retried Send returns it instead of queueing again. A row is written in the same
 * transaction as the submission it answers for, so a key never names a rolled-back Send.
 * Owner: delivery.
 */
export const sendIdempotency = pgTable(
  "send_idempotency",
  {
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** SHA-256 (hex) of the request without its key: a different request under the same key is refused. */
    requestHash: text("request_hash").notNull(),
    /** The JSON answer given the first time. */
    response: text("response").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.key] }), index("send_idempotency_created_idx").on(t.createdAt)],
);
