import { bigserial, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { accounts } from "./store.js";

/**
 * Scoped API keys of an account (webapi extension): only a SHA-256 of the key is stored, the key
 * itself is shown once at creation. A revoked key keeps its row (listing shows it) and never
 * authenticates again. Owner: store.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: integer("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Subset of send, read, push, admin. */
    scopes: text("scopes").array().notNull(),
    /** Hex SHA-256 of the whole key (a random 32-byte secret: no KDF needed). */
    keyHash: text("key_hash").notNull().unique(),
    /** The key's first characters, to tell keys apart in a listing. */
    prefix: text("prefix").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("api_keys_account_idx").on(t.accountId)],
);
