import { bigint, customType, index, pgTable } from "drizzle-orm/pg-core";
import { messages } from "./store.js";

/** PostgreSQL's tsvector; read only inside queries, never into JavaScript. */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/**
 * Full-text search documents of messages (subject, addresses, Message-ID, attachment names,
 * text and HTML bodies), `simple` configuration (no language stemming). Written after receipt,
 * off the receive path, by the first search that finds the message unindexed; removed with the
 * message's content. Owner: store.
 */
export const messageSearch = pgTable(
  "message_search",
  {
    messageId: bigint("message_id", { mode: "number" })
      .primaryKey()
      .references(() => messages.id, { onDelete: "cascade" }),
    accountId: bigint("account_id", { mode: "number" }).notNull(),
    document: tsvector("document").notNull(),
  },
  (t) => [index("message_search_document_idx").using("gin", t.document), index("message_search_account_idx").on(t.accountId, t.messageId)],
);
