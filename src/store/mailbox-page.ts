// A mailbox page as the web interface shows it: summaries (see summaries.ts) plus a text
// snippet, an attachment mark and the parse error, read without the raw bytes; unread counts
// and delete-all of a mailbox.
import { and, desc, eq, lt, gt, sql, type SQL } from "drizzle-orm";
import { schema, type DbOrTx } from "../db/index.js";
import type { Envelope } from "../db/schema/index.js";
import { dropSearchDocuments, indexPendingMessages, recentWindow, searchCondition, type SearchQuery } from "./search.js";

const { messages, mailboxes } = schema;

/** One row of a message list. */
export type MailboxRow = {
  id: number;
  receivedAt: Date;
  size: number;
  flags: string[];
  envelope: Envelope;
  mailboxName: string;
  subject: string;
  msgFrom: string;
  messageIdHeader: string;
  /** Parsed From and To (empty when the message did not parse). */
  from: { Name: string; Address: string }[];
  to: { Name: string; Address: string }[];
  /** The first characters of the text body, whitespace collapsed. */
  snippet: string;
  /** A part with a file name (attachment or named inline part). */
  hasAttachment: boolean;
  parseError: string | null;
};

/** Which live messages a list shows. */
export type MailboxPageFilter = {
  accountId: number;
  /** A mailbox id of the account; all mailboxes when absent. */
  mailboxId?: number;
  /** Only ids below this (next page). */
  beforeId?: number;
  /** Only ids above this (what arrived since the page was drawn). */
  afterId?: number;
  limit: number;
  /** Extra conditions (search), on the messages table. */
  where?: SQL;
};

const snippetLength = 160;

/** Lists live messages newest first without their raw bytes. */
export async function listMailboxPage(db: DbOrTx, f: MailboxPageFilter): Promise<MailboxRow[]> {
  const conds: SQL[] = [eq(messages.accountId, f.accountId), eq(messages.expunged, false)];
  if (f.mailboxId !== undefined) conds.push(eq(messages.mailboxId, f.mailboxId));
  if (f.beforeId !== undefined) conds.push(lt(messages.id, f.beforeId));
  if (f.afterId !== undefined) conds.push(gt(messages.id, f.afterId));
  if (f.where) conds.push(f.where);
  const rows = await db
    .select({
      id: messages.id,
      receivedAt: messages.receivedAt,
      size: messages.size,
      flags: messages.flags,
      envelope: messages.envelope,
      mailboxName: mailboxes.name,
      subject: messages.subject,
      msgFrom: messages.msgFrom,
      messageIdHeader: messages.messageIdHeader,
      from: sql<MailboxRow["from"] | null>`${messages.parsed}->'From'`,
      to: sql<MailboxRow["to"] | null>`${messages.parsed}->'To'`,
      snippet: sql<string | null>`left(${messages.parsed}->>'Text', ${snippetLength * 2})`,
      hasAttachment: sql<boolean>`coalesce(jsonb_path_exists(${messages.parsed}->'Structure', 'lax $.** ? (@.Filename != "")'), false)`,
      parseError: messages.parseError,
    })
    .from(messages)
    .innerJoin(mailboxes, eq(messages.mailboxId, mailboxes.id))
    .where(and(...conds))
    .orderBy(desc(messages.id))
    .limit(f.limit);
  return rows.map((r) => ({
    ...r,
    from: Array.isArray(r.from) ? r.from : [],
    to: Array.isArray(r.to) ? r.to : [],
    snippet: (r.snippet ?? "").replace(/\s+/g, " ").trim().slice(0, snippetLength),
  }));
}

/** Live messages of a mailbox without the `\seen` flag. */
export async function countUnread(db: DbOrTx, accountId: number, mailboxId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(messages)
    .where(
      and(
        eq(messages.accountId, accountId),
        eq(messages.mailboxId, mailboxId),
        eq(messages.expunged, false),
        sql`not ('\\seen' = any(${messages.flags}))`,
      ),
    );
  return row?.n ?? 0;
}

/**
 * Deletes every live message of a mailbox (content removed, tombstones kept as a single
 * delete does). Returns how many were deleted.
 */
export async function deleteMailboxMessages(db: DbOrTx, accountId: number, mailboxId: number): Promise<number> {
  const rows = await db
    .update(messages)
    .set({ expunged: true, raw: Buffer.alloc(0), parsed: null })
    .where(and(eq(messages.accountId, accountId), eq(messages.mailboxId, mailboxId), eq(messages.expunged, false)))
    .returning({ id: messages.id });
  await dropSearchDocuments(db, accountId, rows.map((r) => r.id));
  return rows.length;
}

/** The account's mailboxes with their live and unread message counts, by name. */
export async function mailboxCounts(db: DbOrTx, accountId: number): Promise<{ id: number; name: string; role: string | null; total: number; unread: number }[]> {
  return db
    .select({
      id: mailboxes.id,
      name: mailboxes.name,
      role: mailboxes.role,
      total: sql<number>`count(${messages.id})::int`,
      unread: sql<number>`(count(${messages.id}) filter (where not ('\\seen' = any(${messages.flags}))))::int`,
    })
    .from(mailboxes)
    .leftJoin(messages, and(eq(messages.mailboxId, mailboxes.id), eq(messages.expunged, false)))
    .where(eq(mailboxes.accountId, accountId))
    .groupBy(mailboxes.id)
    .orderBy(mailboxes.id);
}

/**
 * Searches the account's live messages, newest first: indexes what arrived since the last
 * search, then lists the matches (within one mailbox when `mailboxId` is given and the query
 * names none). A word search first tests the newest messages one by one (a frequent word fills
 * the page there at once), and only when that window does not fill the page asks the full-text
 * index for every match (fast for a rare word, and the page is then complete).
 */
export async function searchMessages(
  db: DbOrTx,
  f: Omit<MailboxPageFilter, "where"> & { query: SearchQuery; recentWindow?: number },
): Promise<MailboxRow[]> {
  await indexPendingMessages(db, f.accountId);
  const { query, recentWindow: window = recentWindow, ...rest } = f;
  const page = { ...rest, mailboxId: query.mailbox ? undefined : rest.mailboxId };
  if (!query.words.some((w) => w.trim())) return listMailboxPage(db, { ...page, where: searchCondition(f.accountId, query) });
  const [edge] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.accountId, f.accountId), f.beforeId !== undefined ? lt(messages.id, f.beforeId) : undefined))
    .orderBy(desc(messages.id))
    .offset(window)
    .limit(1);
  const probe = searchCondition(f.accountId, query, "probe");
  const recent = await listMailboxPage(db, { ...page, where: edge ? and(probe, gt(messages.id, edge.id)) : probe });
  if (!edge || recent.length >= f.limit) return recent;
  return listMailboxPage(db, { ...page, where: searchCondition(f.accountId, query, "hits") });
}
