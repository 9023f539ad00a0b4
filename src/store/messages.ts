import { isAscii } from "node:buffer";
import { and, desc, eq, sql } from "drizzle-orm";
import { statement, type DbOrTx, type Tx, schema } from "../db/index.js";
import type { Envelope, MailboxRole } from "../db/schema/index.js";
import { StoreError } from "./errors.js";
import { dropSearchDocuments } from "./search.js";
import { filterConditions, type MessageFilter } from "./summaries.js";

const { messages, mailboxes } = schema;

export type StoredMessage = typeof messages.$inferSelect;

/** What the receive path stores (raw bytes exactly as received). */
export type NewMessage = {
  accountId: number;
  mailbox: { role: MailboxRole } | { id: number };
  raw: Buffer;
  envelope: Envelope;
  msgFrom?: string;
  subject?: string;
  messageIdHeader?: string;
  parsed: Record<string, unknown> | null;
  /** `parsed` already as JSON text, when the caller has it: saves serializing it again. */
  parsedJson?: string;
  parseError?: string | null;
  flags?: string[];
  isDsn?: boolean;
  mailFromValidated?: boolean;
  msgFromValidated?: boolean;
  dkimDomains?: string[];
};

// Role mailboxes (Inbox, Sent, ...) are created with their account and never renamed or
// removed, so their ids are remembered per database: one query less on every received message.
const roleMailboxes = new WeakMap<object, Map<string, { id: number; name: string }>>();

async function mailboxFor(tx: Tx, db: object, m: NewMessage): Promise<{ id: number; name: string } | undefined> {
  const key = "role" in m.mailbox ? `${m.accountId}:${m.mailbox.role}` : null;
  let cache = roleMailboxes.get(db);
  if (!cache) roleMailboxes.set(db, (cache = new Map()));
  const hit = key ? cache.get(key) : undefined;
  if (hit) return hit;
  const [mb] = await tx
    .select({ id: mailboxes.id, name: mailboxes.name })
    .from(mailboxes)
    .where(and(eq(mailboxes.accountId, m.accountId), "role" in m.mailbox ? eq(mailboxes.role, m.mailbox.role) : eq(mailboxes.id, m.mailbox.id)));
  if (mb && key) cache.set(key, mb);
  return mb;
}

type MessageValues = Omit<typeof messages.$inferInsert, "id" | "receivedAt" | "expunged" | "searchIndexed">;
type InsertValues = Omit<MessageValues, "raw" | "parsed"> & { rawText: string | null; rawBytes: Buffer | null; parsedJson: string | null };
const messageColumns: (keyof MessageValues)[] = ["accountId", "mailboxId", "size", "envelope", "msgFrom", "subject", "messageIdHeader",
  "parseError", "flags", "isDsn", "mailFromValidated", "msgFromValidated", "dkimDomains"];

// The receive path's insert, built once (db/statements.ts). postgres-js sends every parameter
// as text, a bytea as hex: twice the bytes on the wire, encoded here and decoded by the server.
// A raw message that is ASCII without NUL (most mail, including base64 attachments) is sent as
// text instead and turned into the same bytes by the server (ASCII is the same in every server
// encoding); others go as bytea. `parsed` arrives as JSON text, serialized once by the caller.
const insertMessageRow = statement<Required<InsertValues>, { id: number; receivedAt: Date }[]>("insert_message", (d) =>
  d
    .insert(messages)
    .values({
      ...(Object.fromEntries(messageColumns.map((k) => [k, sql.placeholder(k)])) as unknown as MessageValues),
      raw: sql`coalesce(${sql.placeholder("rawBytes")}::bytea, convert_to(${sql.placeholder("rawText")}::text, 'UTF8'))`,
      parsed: sql`(${sql.placeholder("parsedJson")}::text)::jsonb`,
    })
    .returning({ id: messages.id, receivedAt: messages.receivedAt }),
);

/** Whether `raw` can travel as a text parameter: ASCII, and no NUL (text cannot hold it). */
function textSafe(raw: Buffer): boolean {
  return isAscii(raw) && raw.indexOf(0) === -1;
}

/**
 * Inserts a message in the caller's transaction; returns its id and mailbox name. `cacheScope`
 * (the database object) lets role-mailbox ids be remembered across calls.
 */
export async function insertMessage(
  tx: Tx,
  m: NewMessage,
  cacheScope: object = tx,
): Promise<{ id: number; receivedAt: Date; mailboxName: string }> {
  const mb = await mailboxFor(tx, cacheScope, m);
  if (!mb) throw new StoreError("mailboxNotFound", `account ${m.accountId} has no such mailbox`);
  const [row] = await insertMessageRow(tx, {
    accountId: m.accountId,
    mailboxId: mb.id,
    size: m.raw.length,
    ...(textSafe(m.raw) ? { rawText: m.raw.toString("latin1"), rawBytes: null } : { rawText: null, rawBytes: m.raw }),
    envelope: m.envelope,
    msgFrom: m.msgFrom ?? "",
    subject: m.subject ?? "",
    messageIdHeader: m.messageIdHeader ?? "",
    parsedJson: m.parsed === null ? null : (m.parsedJson ?? JSON.stringify(m.parsed)),
    parseError: m.parseError ?? null,
    flags: m.flags ?? [],
    isDsn: m.isDsn ?? false,
    mailFromValidated: m.mailFromValidated ?? false,
    msgFromValidated: m.msgFromValidated ?? false,
    dkimDomains: m.dkimDomains ?? [],
  });
  return { id: row!.id, receivedAt: row!.receivedAt, mailboxName: mb.name };
}

/** A message with its mailbox name, or null for an id that is not the account's. */
export async function getMessage(
  db: DbOrTx,
  accountId: number,
  id: number,
): Promise<(StoredMessage & { mailboxName: string }) | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const [row] = await db
    .select({ m: messages, mailboxName: mailboxes.name })
    .from(messages)
    .innerJoin(mailboxes, eq(messages.mailboxId, mailboxes.id))
    .where(and(eq(messages.id, id), eq(messages.accountId, accountId)));
  return row ? { ...row.m, mailboxName: row.mailboxName } : null;
}

/** Loads what a change needs of a live message (never its bytes), telling "never existed" from "already deleted". */
async function live(tx: DbOrTx, accountId: number, id: number): Promise<{ mailboxId: number; flags: string[] }> {
  const [m] = Number.isSafeInteger(id) && id > 0
    ? await tx
        .select({ mailboxId: messages.mailboxId, flags: messages.flags, expunged: messages.expunged })
        .from(messages)
        .where(and(eq(messages.id, id), eq(messages.accountId, accountId)))
    : [];
  if (!m) throw new StoreError("messageNotFound", "message not found");
  if (m.expunged) throw new StoreError("messageExpunged", "message was removed");
  return m;
}

/** Permanently removes a message's content, keeping a tombstone. */
export async function deleteMessage(tx: DbOrTx, accountId: number, id: number): Promise<void> {
  await live(tx, accountId, id);
  await tx
    .update(messages)
    .set({ expunged: true, raw: Buffer.alloc(0), parsed: null })
    .where(and(eq(messages.id, id), eq(messages.accountId, accountId)));
  await dropSearchDocuments(tx, accountId, [id]); // its words go with its content
}

/** Replaces a message's flags through `change` (which gets the current list). */
export async function updateFlags(tx: Tx, accountId: number, id: number, change: (flags: string[]) => string[]): Promise<void> {
  const m = await live(tx, accountId, id);
  await tx.update(messages).set({ flags: change(m.flags) }).where(eq(messages.id, id));
}

/**
 * Moves a message to another mailbox of the same account, named exactly (`inbox` is not
 * `Inbox`, as in mox), with mox's flag side effects: into Trash, Archive or Junk it becomes
 * `\seen`; into Junk `$junk` (and not `$notjunk`); out of Junk elsewhere `$notjunk` (and not `$junk`).
 */
export async function moveMessage(tx: Tx, accountId: number, id: number, mailboxName: string): Promise<void> {
  const m = await live(tx, accountId, id);
  const [mb] = await tx
    .select({ id: mailboxes.id, role: mailboxes.role })
    .from(mailboxes)
    .where(and(eq(mailboxes.accountId, accountId), eq(mailboxes.name, mailboxName)));
  if (!mb) throw new StoreError("mailboxNotFound", `mailbox ${JSON.stringify(mailboxName)} does not exist`);
  if (mb.id === m.mailboxId) throw new StoreError("sameMailbox", "message is already in that mailbox");
  const [src] = await tx.select({ role: mailboxes.role }).from(mailboxes).where(eq(mailboxes.id, m.mailboxId));
  await tx.update(messages).set({ mailboxId: mb.id, flags: flagsAfterMove(m.flags, src?.role ?? null, mb.role) }).where(eq(messages.id, id));
}

/** The flags of a message moved from a mailbox of role `from` to one of role `to` (null: no role). */
function flagsAfterMove(flags: readonly string[], from: MailboxRole | null, to: MailboxRole | null): string[] {
  const out = new Set(flags);
  if (to === "trash" || to === "archive" || to === "junk") out.add("\\seen");
  if (to === "junk") {
    out.add("$junk");
    out.delete("$notjunk");
  } else if (from === "junk") {
    out.add("$notjunk");
    out.delete("$junk");
  }
  return [...out];
}

/** Lists live messages matching a filter, whole rows (raw bytes included): for tests and tools; listings use listMessageSummaries. */
export async function listMessages(db: DbOrTx, f: MessageFilter): Promise<(StoredMessage & { mailboxName: string })[]> {
  const rows = await db
    .select({ m: messages, mailboxName: mailboxes.name })
    .from(messages)
    .innerJoin(mailboxes, eq(messages.mailboxId, mailboxes.id))
    .where(and(...filterConditions(f)))
    .orderBy(f.oldestFirst ? messages.id : desc(messages.id))
    .limit(f.limit);
  return rows.map((r) => ({ ...r.m, mailboxName: r.mailboxName }));
}
