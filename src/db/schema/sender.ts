import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { accounts, bytea } from "./store.js";

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

/**
 * What a recipient does not want from an account (PreferencesGet/Set, one-click unsubscribe):
 * category names, or every categorized mail. Keyed by the lowercased address. Owner: delivery.
 */
export const recipientPreferences = pgTable(
  "recipient_preferences",
  {
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    address: text("address").notNull(),
    optOut: text("opt_out").array().notNull().default(sql`'{}'::text[]`),
    optOutAll: boolean("opt_out_all").notNull().default(false),
    /** The last change through PreferencesSet: unsubscribe tokens issued before it no longer apply. */
    setAt: timestamp("set_at", { withTimezone: true, precision: 3 }),
    updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.address] })],
);

/** The server's key for unsubscribe tokens: one row, made on first use, shared by every instance. Owner: delivery. */
export const unsubscribeKeys = pgTable("unsubscribe_keys", {
  id: integer("id").primaryKey(),
  key: bytea("key").notNull(),
});
