import { sql } from "drizzle-orm";
import { bigint, bigserial, index, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { events } from "./events.js";
import { accounts } from "./store.js";

/**
 * Push recipients: an app's own user ids (not mail addresses), registered by the webapi method
 * PushRecipientRegister so pushes can be addressed to them. Owner: push.
 */
export const pushRecipients = pgTable(
  "push_recipients",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** The app-chosen id, exactly as given (1-128 characters). */
    recipient: text("recipient").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("push_recipients_account_recipient_idx").on(t.accountId, t.recipient)],
);

/**
 * A push to one recipient and its state: PENDING until a connection of the recipient was
 * written the frame (DELIVERED, set once by a conditional UPDATE), CANCELLED by
 * PushMessageCancel. EXPIRED is not stored: a PENDING row past `expires_at` lists as EXPIRED
 * and is never sent. `event_id` is its row in the event log (the frame's position). Owner: push.
 */
export const pushMessages = pgTable(
  "push_messages",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    recipientId: bigint("recipient_id", { mode: "number" })
      .notNull()
      .references(() => pushRecipients.id, { onDelete: "cascade" }),
    /** Its event in the log and that event's transaction: the frame's position (backlog start). */
    eventId: bigint("event_id", { mode: "number" }).references(() => events.id, { onDelete: "set null" }),
    eventTxId: bigint("event_tx_id", { mode: "bigint" })
      .notNull()
      .default(sql`(pg_current_xact_id()::text::bigint)`),
    topic: text("topic").notNull().default(""),
    /** The Message as JSON text, exactly as pushed. */
    message: text("message").notNull(),
    state: text("state").notNull().default("PENDING"), // PENDING | DELIVERED | CANCELLED
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, precision: 3 }).notNull(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true, precision: 3 }),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true, precision: 3 }),
  },
  (t) => [
    index("push_messages_account_idx").on(t.accountId, t.id),
    index("push_messages_pending_idx").on(t.recipientId, t.id).where(sql`state = 'PENDING'`),
  ],
);

/**
 * A push to every recipient of the account, also to those registered after it, until it
 * expires or is cancelled. Per-recipient delivery is in push_global_deliveries. Owner: push.
 */
export const pushGlobals = pgTable(
  "push_globals",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** Its event in the log and that event's transaction: the frame's position (backlog start). */
    eventId: bigint("event_id", { mode: "number" }).references(() => events.id, { onDelete: "set null" }),
    eventTxId: bigint("event_tx_id", { mode: "bigint" })
      .notNull()
      .default(sql`(pg_current_xact_id()::text::bigint)`),
    topic: text("topic").notNull().default(""),
    /** The Message as JSON text, exactly as pushed. */
    message: text("message").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, precision: 3 }).notNull(),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true, precision: 3 }),
  },
  (t) => [index("push_globals_account_idx").on(t.accountId, t.id)],
);

/** Which recipient got a global push when: the row's insert (ON CONFLICT DO NOTHING) is the once-only arbiter. Owner: push. */
export const pushGlobalDeliveries = pgTable(
  "push_global_deliveries",
  {
    globalId: bigint("global_id", { mode: "number" })
      .notNull()
      .references(() => pushGlobals.id, { onDelete: "cascade" }),
    recipientId: bigint("recipient_id", { mode: "number" })
      .notNull()
      .references(() => pushRecipients.id, { onDelete: "cascade" }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.globalId, t.recipientId] }), index("push_global_deliveries_recipient_idx").on(t.recipientId)],
);
