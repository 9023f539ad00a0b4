import { pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { bytea } from "./store.js";

/**
 * Secrets every process on the database must share, generated once (the web interface's
 * session-signing key). Owner: store.
 */
export const sharedSecrets = pgTable("shared_secrets", {
  name: text("name").primaryKey(),
  value: bytea("value").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
