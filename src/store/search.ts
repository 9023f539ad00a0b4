// Message search: the query language (words plus from:, to:, subject:, has:attachment,
// is:unread/is:read, before:, after:, mailbox:), the SQL it becomes, and the indexing of
// messages into message_search. Indexing happens here, at search time, for the messages that
// arrived since the last search: the receive path pays nothing for it (building a document
// costs milliseconds of database CPU for a large body).
import { and, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import { schema, type DbOrTx } from "../db/index.js";
import { StoreError } from "./errors.js";

const { messages, mailboxes, messageSearch } = schema;

/** How many of the newest messages a word search tests one by one before it asks the index. */
export const recentWindow = 1000;

/** A parsed search query. Every part must match (AND). */
export type SearchQuery = {
  /** Free words: full-text, each a prefix of a word of the message. */
  words: string[];
  from: string[];
  to: string[];
  subject: string[];
  hasAttachment: boolean;
  /** true: only unread; false: only read; null: both. */
  unread: boolean | null;
  /** Received before the start of this day (UTC). */
  before: Date | null;
  /** Received on or after the start of this day (UTC). */
  after: Date | null;
  /** A mailbox name (case-insensitive). */
  mailbox: string | null;
};

// How much of each body goes into a document: enough for any transactional message, bounded so
// a 20 MB newsletter costs what a 64 KiB one does.
const bodyChars = 65536;
// Messages indexed per statement (one statement per batch, until none is left).
const indexBatch = 2000;

function day(value: string, op: string): Date {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new StoreError("badQuery", `${op}: wants a date like 2026-01-31, got ${JSON.stringify(value.slice(0, 40))}`);
  return d;
}

/**
 * Parses a query: `word`, `"two words"`, `op:value` or `op:"a value"`. Unknown operators are
 * searched as words. @throws StoreError badQuery on a malformed date or `has:`/`is:` value.
 */
export function parseSearch(text: string): SearchQuery {
  const q: SearchQuery = { words: [], from: [], to: [], subject: [], hasAttachment: false, unread: null, before: null, after: null, mailbox: null };
  for (const m of text.slice(0, 1000).matchAll(/(?:([a-z]+):)?(?:"([^"]*)"?|(\S+))/gi)) {
    const op = m[1]?.toLowerCase();
    const value = (m[2] ?? m[3] ?? "").trim();
    if (!value && !op) continue;
    if (op === "from") q.from.push(value);
    else if (op === "to") q.to.push(value);
    else if (op === "subject") q.subject.push(value);
    else if (op === "before") q.before = day(value, op);
    else if (op === "after") q.after = day(value, op);
    else if (op === "mailbox") q.mailbox = value;
    else if (op === "has") {
      if (!/^attachments?$/i.test(value)) throw new StoreError("badQuery", `has: knows only "attachment", got ${JSON.stringify(value.slice(0, 40))}`);
      q.hasAttachment = true;
    } else if (op === "is") {
      if (!/^(un)?read$/i.test(value)) throw new StoreError("badQuery", `is: knows "unread" and "read", got ${JSON.stringify(value.slice(0, 40))}`);
      q.unread = value.toLowerCase() === "unread";
    } else q.words.push(op ? `${m[1]}:${value}` : value);
  }
  return q;
}

function like(s: string): string {
  return "%" + s.replace(/[\\%_]/g, (c) => "\\" + c) + "%";
}

/**
 * The query as conditions on `messages` joined with `mailboxes` (what listMailboxPage reads).
 * Words match through message_search: all ids from its GIN index (`hits`), or a test of each
 * candidate's document (`probe`); the operators filter the account's rows.
 */
export function searchCondition(accountId: number, q: SearchQuery, wordsBy: "hits" | "probe" = "hits"): SQL | undefined {
  const c: SQL[] = [];
  const words = q.words.join(" ").trim();
  if (words) {
    // PostgreSQL splits the words as it split the documents (an address stays one token), then
    // every token becomes a prefix match: 'ship':* finds "shipped".
    const tsq = sql`to_tsquery('simple', regexp_replace(plainto_tsquery('simple', ${words})::text, '''(\\s|$)', ''':*\\1', 'g'))`;
    c.push(
      wordsBy === "hits"
        ? // The matching ids from the GIN index first (OFFSET 0 keeps PostgreSQL from folding the
          // subquery into a walk over every message that tests each document).
          sql`${messages.id} in (select ${messageSearch.messageId} from ${messageSearch} where ${messageSearch.accountId} = ${accountId} and ${messageSearch.document} @@ ${tsq} offset 0)`
        : // Each candidate message's document tested on its own (for a window of recent messages).
          sql`exists (select 1 from ${messageSearch} where ${messageSearch.messageId} = ${messages.id} and ${messageSearch.document} @@ ${tsq})`,
    );
  }
  for (const f of q.from) {
    // The From address and MAIL FROM, kept in their own columns: no body is read. (Display names
    // are found by plain words.)
    c.push(sql`(${messages.msgFrom} || ' ' || (${messages.envelope}->>'mailFrom')) ilike ${like(f)}`);
  }
  for (const t of q.to) {
    c.push(sql`((${messages.envelope}->>'rcptTo') || ' ' || coalesce((${messages.parsed}->'To')::text, '') || ' ' || coalesce((${messages.parsed}->'CC')::text, '')) ilike ${like(t)}`);
  }
  for (const s of q.subject) c.push(sql`${messages.subject} ilike ${like(s)}`);
  if (q.hasAttachment) c.push(sql`coalesce(jsonb_path_exists(${messages.parsed}->'Structure', 'lax $.** ? (@.Filename != "")'), false)`);
  if (q.unread !== null) c.push(q.unread ? sql`not ('\\seen' = any(${messages.flags}))` : sql`'\\seen' = any(${messages.flags})`);
  if (q.before) c.push(lt(messages.receivedAt, q.before));
  if (q.after) c.push(gte(messages.receivedAt, q.after));
  if (q.mailbox) c.push(sql`lower(${mailboxes.name}) = lower(${q.mailbox})`);
  return c.length ? and(...c) : undefined;
}

/**
 * Writes the search documents of the account's messages that have none yet, in batches, and
 * returns how many it indexed. Concurrent searches share the work (SKIP LOCKED); a deleted
 * message gets no document.
 */
export async function indexPendingMessages(db: DbOrTx, accountId: number): Promise<number> {
  let total = 0;
  for (;;) {
    // One statement: lock a batch of unindexed rows (others' batches are skipped), insert their
    // documents, and mark them indexed.
    const rows = await db.execute(sql`
      with todo as (
        select id from messages where account_id = ${accountId} and not search_indexed
        order by id limit ${indexBatch} for update skip locked
      ), docs as (
        insert into message_search (message_id, account_id, document)
        select m.id, m.account_id, to_tsvector('simple', concat_ws(' ',
          m.subject, m.msg_from, m.message_id_header, m.envelope->>'rcptTo', m.envelope->>'mailFrom',
          (m.parsed->'From')::text, (m.parsed->'To')::text, (m.parsed->'CC')::text,
          jsonb_path_query_array(m.parsed->'Structure', 'lax $.**.Filename')::text,
          left(m.parsed->>'Text', ${bodyChars}), left(m.parsed->>'HTML', ${bodyChars})))
        from messages m join todo on todo.id = m.id where not m.expunged
        on conflict (message_id) do update set document = excluded.document
      )
      update messages set search_indexed = true from todo where messages.id = todo.id
      returning messages.id`);
    const n = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows).length;
    total += n;
    if (n < indexBatch) return total;
  }
}

/** Removes the search documents of messages whose content was deleted. */
export async function dropSearchDocuments(db: DbOrTx, accountId: number, ids: number[]): Promise<void> {
  if (ids.length) await db.delete(messageSearch).where(and(eq(messageSearch.accountId, accountId), inArray(messageSearch.messageId, ids)));
}
