import { sql } from "drizzle-orm";
import { bigint, bigserial, index, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { accounts } from "./store.js";

/**
 * Event-stream tokens minted by the webapi method EventTokenCreate: what a browser presents as
 * `?token=` because it cannot send basic auth on a WebSocket. Only the SHA-256 of the token is
 * stored. A token is confined to its account and narrows it further (addresses, kinds), binds an
 * Origin and optionally a source IP, and expires. Owner: websocket.
 */
export const eventTokens = pgTable(
  "event_tokens",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** Hex SHA-256 of the token string. */
    tokenHash: text("token_hash").notNull().unique(),
    /** Address filter (lowercase); empty: every address of the account. */
    addresses: text("addresses").array().notNull(),
    /** Event kinds; empty: every kind. */
    kinds: text("kinds").array().notNull(),
    /** Allowed Origin (`https://app.example`); empty: only clients sending no cross-site Origin. */
    origin: text("origin").notNull().default(""),
    /** Required client IP; empty: any. */
    sourceIp: text("source_ip").notNull().default(""),
    /** Push recipient (push_recipients.id) this token connects as; null for a mail-events-only token. */
    pushRecipientId: bigint("push_recipient_id", { mode: "number" }),
    /** Push topics this recipient's connections are subscribed to (a push with a topic goes only to them). */
    topics: text("topics").array().notNull().default(sql`'{}'::text[]`),
    expiresAt: timestamp("expires_at", { withTimezone: true, precision: 3 }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index("event_tokens_account_idx").on(t.accountId, t.expiresAt)],
);
