/**
 * MessageSearch (Postwire extension): full-text search over the account's messages with the
 * web interface's query language, newest first, paged with the MessageList cursor.
 */
import { findMailbox, parseSearch, searchMessages, StoreError, type SearchQuery } from "../../store/index.js";
import type { ApiDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { defineMethod, type ApiMethod } from "../registry.js";
import { t } from "../wire.js";
import { decodeListCursor, encodeListCursor, summary, summaryT } from "./message-list.js";

/** The search method. */
export function messageSearchRoutes(deps: ApiDeps): ApiMethod[] {
  const { db } = deps.database;
  return [
    defineMethod({
      name: "MessageSearch",
      summary:
        "Searches messages newest first: words (prefixes of words in subject, addresses, bodies, attachment names, Message-ID) and from:, to:, subject:, has:attachment, is:unread, is:read, before:, after:, mailbox:.",
      extension: true,
      request: t.struct("MessageSearchRequest", { Query: t.string, Limit: t.int, Cursor: t.string }),
      response: t.struct("MessageSearchResult", { Messages: t.list(summaryT), NextCursor: t.string }),
      async handle(call, req) {
        if (req.Limit < 0) throw new ApiError("user", "Limit must not be negative");
        const limit = Math.min(req.Limit || 50, 1000);
        let query: SearchQuery;
        try {
          query = parseSearch(req.Query);
        } catch (err) {
          if (err instanceof StoreError) throw new ApiError("user", err.message, { cause: err });
          throw err;
        }
        if (query.mailbox && !(await findMailbox(db, call.account.id, { name: query.mailbox }))) {
          throw new ApiError("user", `mailbox ${JSON.stringify(query.mailbox)} does not exist`);
        }
        const rows = await searchMessages(db, { accountId: call.account.id, beforeId: decodeListCursor(req.Cursor), limit: limit + 1, query });
        const page = rows.slice(0, limit);
        return { Messages: page.map(summary), NextCursor: rows.length > limit ? encodeListCursor(page[page.length - 1]!.id) : "" };
      },
    }),
  ];
}
