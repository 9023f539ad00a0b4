import { and, desc, eq, gt, gte, inArray, lt, lte, sql, type SQL } from "drizzle-orm";
import { type DbOrTx, schema } from "../db/index.js";
import type { Envelope } from "../db/schema/index.js";

const { messages, mailboxes } = schema;

/** A name and address as the parsed form keeps them. */
export type SummaryAddress = { Name: string; Address: string };

/**
 * What a message listing shows of one message. Read without the raw bytes and without the
 * parsed body (only From and To are taken out of it, by the database): a listing costs what it
 * returns, however large the messages are.
 */
export type MessageSummary = {
  id: number;
  receivedAt: Date;
  mailboxName: string;
  size: number;
  flags: string[];
  envelope: Envelope;
  subject: string;
  messageIdHeader: string;
  from: SummaryAddress[];
  to: SummaryAddress[];
};

/** Filters for listing messages, newest first. */
export type MessageFilter = {
  accountId: number;
  mailboxName?: string;
  /** Matches the envelope recipient or the From address (case-insensitive). */
  address?: string;
  /** Case-insensitive substring of the subject or the text body. */
  text?: string;
  /** Case-insensitive substring of the subject. */
  subject?: string;
  receivedAfter?: Date;
  receivedBefore?: Date;
  /** Only these ids (MessageWait: the messages of a page of events). */
  ids?: number[];
  /** Only ids greater than this (MessageWait: mail that arrived after a point). */
  afterId?: number;
  /** Only ids smaller than this (paging backwards). */
  beforeId?: number;
  limit: number;
  oldestFirst?: boolean;
};

/** The columns of a summary. Never `raw`, and of `parsed` only two small paths. */
export const summaryColumns = {
  id: messages.id,
  receivedAt: messages.receivedAt,
  mailboxName: mailboxes.name,
  size: messages.size,
  flags: messages.flags,
  envelope: messages.envelope,
  subject: messages.subject,
  messageIdHeader: messages.messageIdHeader,
  from: sql<SummaryAddress[] | null>`${messages.parsed}->'From'`.as("summary_from"),
  to: sql<SummaryAddress[] | null>`${messages.parsed}->'To'`.as("summary_to"),
};

/** Summaries of the live messages matching a filter. */
export async function listMessageSummaries(db: DbOrTx, f: MessageFilter): Promise<MessageSummary[]> {
  if (f.ids && f.ids.length === 0) return [];
  const rows = await db
    .select(summaryColumns)
    .from(messages)
    .innerJoin(mailboxes, eq(messages.mailboxId, mailboxes.id))
    .where(and(...filterConditions(f)))
    .orderBy(f.oldestFirst ? messages.id : desc(messages.id))
    .limit(f.limit);
  return rows.map((r) => ({ ...r, from: r.from ?? [], to: r.to ?? [] }));
}

/** The WHERE conditions of a filter (shared with listMessages). */
export function filterConditions(f: MessageFilter): SQL[] {
  const conds: SQL[] = [eq(messages.accountId, f.accountId), eq(messages.expunged, false)];
  if (f.mailboxName) conds.push(sql`lower(${mailboxes.name}) = lower(${f.mailboxName})`);
  if (f.address) {
    const a = f.address.toLowerCase();
    conds.push(sql`(lower(${messages.envelope}->>'rcptTo') = ${a} or lower(${messages.msgFrom}) = ${a})`);
  }
  if (f.subject) conds.push(sql`${messages.subject} ilike ${"%" + escapeLike(f.subject) + "%"}`);
  if (f.text) {
    // Compared in the database: the text body never travels to this process.
    const pat = "%" + escapeLike(f.text) + "%";
    conds.push(sql`(${messages.subject} ilike ${pat} or (${messages.parsed}->>'Text') ilike ${pat})`);
  }
  if (f.receivedAfter) conds.push(gte(messages.receivedAt, f.receivedAfter));
  if (f.receivedBefore) conds.push(lte(messages.receivedAt, f.receivedBefore));
  if (f.ids) conds.push(inArray(messages.id, f.ids));
  if (f.afterId !== undefined) conds.push(gt(messages.id, f.afterId));
  if (f.beforeId !== undefined) conds.push(lt(messages.id, f.beforeId));
  return conds;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => "\\" + c);
}
