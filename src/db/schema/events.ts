import { sql } from "drizzle-orm";
import { bigint, bigserial, index, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { accounts } from "./store.js";

/**
 * The durable event log: one row per incoming message or delivery event, appended in the same
 * transaction as the state change. `txId` is the appending transaction's id (pg_current_xact_id);
 * readers only read rows whose txId is below the oldest running transaction (pg_snapshot_xmin),
 * so a row can never appear behind a cursor that has already passed it. Owner: events.
 */
export const events = pgTable(
  "events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    txId: bigint("tx_id", { mode: "bigint" })
      .notNull()
      .default(sql`(pg_current_xact_id()::text::bigint)`),
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(), // "incoming" | outgoing event name
    address: text("address").notNull().default(""), // the address this event is about (lowercase)
    messageId: bigint("message_id", { mode: "number" }), // stored message (incoming)
    queueMsgId: bigint("queue_msg_id", { mode: "number" }), // outgoing queue message
    /** The exact JSON body (mox Incoming/Outgoing) as text: jsonb would reorder its keys. */
    payload: text("payload").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index("events_account_order_idx").on(t.accountId, t.txId, t.id), index("events_order_idx").on(t.txId, t.id)],
);
