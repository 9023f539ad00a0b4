import { createHash } from "node:crypto";
import { and, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import { type DbOrTx, schema } from "../db/index.js";
import { at } from "./sql-time.js";
import { PushError } from "./errors.js";
import { findRecipients } from "./queries.js";

const { pushMessages, pushGlobals, pushRecipients, pushGlobalDeliveries } = schema;

/** The states a push lists with; EXPIRED is a PENDING push past its expiry. */
export const pushStates = ["PENDING", "DELIVERED", "CANCELLED", "EXPIRED"] as const;
/** One of {@link pushStates}. */
export type PushState = (typeof pushStates)[number];

/** Filters of PushMessageList and PushGlobalMessageList; zero values mean "any". */
export type PushListRequest = {
  recipient: string;
  topic: string;
  state: string;
  createdAfter: Date | null;
  createdBefore: Date | null;
  expiresAfter: Date | null;
  expiresBefore: Date | null;
  /** 0 = 100; at most 1000. */
  limit: number;
  /** From the previous page of the same query; "" for the first page. */
  nextToken: string;
};

/** A listed push (Message as its JSON text). */
export type PushListItem = {
  pushId: number;
  recipient: string;
  topic: string;
  message: string;
  state: PushState;
  createdAt: Date;
  expiresAt: Date;
  deliveredAt: Date | null;
  cancelledAt: Date | null;
};

/** A listed global push; `deliveredAt` is the listed recipient's (when Recipient was given). */
export type PushGlobalListItem = Omit<PushListItem, "pushId" | "recipient"> & { globalId: number; deliveries: number };

type Page<T> = { items: T[]; nextToken: string };

// Pages go newest first by id: rows that arrive later sort before the first page, so a
// NextToken's pages never shift. The token carries a digest of the filters it belongs to.
function fingerprint(kind: string, accountId: number, r: PushListRequest): string {
  const f = [kind, accountId, r.recipient, r.topic, r.state, r.createdAfter, r.createdBefore, r.expiresAfter, r.expiresBefore].map((v) => (v instanceof Date ? v.toISOString() : v));
  return createHash("sha256").update(JSON.stringify(f)).digest("base64url").slice(0, 16);
}

function decodeToken(token: string, fp: string): number | null {
  if (token === "") return null;
  const m = /^(\d{1,15})\.([A-Za-z0-9_-]{16})$/.exec(Buffer.from(token, "base64url").toString());
  if (!m) throw new PushError("user", "malformed NextToken");
  if (m[2] !== fp) throw new PushError("user", "NextToken belongs to another query (its filters differ)");
  return Number(m[1]);
}

function checkRequest(r: PushListRequest, states: readonly string[]): number {
  const limit = r.limit || 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new PushError("user", "Limit must be 1 to 1000");
  if (r.state !== "" && !states.includes(r.state)) throw new PushError("user", `unknown State ${JSON.stringify(r.state)}, use one of ${states.join(", ")}`);
  return limit;
}

function timeConds(col: { createdAt: typeof pushMessages.createdAt | typeof pushGlobals.createdAt; expiresAt: typeof pushMessages.expiresAt | typeof pushGlobals.expiresAt }, r: PushListRequest): SQL[] {
  const c: SQL[] = [];
  if (r.createdAfter) c.push(sql`${col.createdAt} > ${at(r.createdAfter)}`);
  if (r.createdBefore) c.push(sql`${col.createdAt} < ${at(r.createdBefore)}`);
  if (r.expiresAfter) c.push(sql`${col.expiresAt} > ${at(r.expiresAfter)}`);
  if (r.expiresBefore) c.push(sql`${col.expiresAt} < ${at(r.expiresBefore)}`);
  return c;
}

async function recipientId(db: DbOrTx, accountId: number, name: string): Promise<number | null> {
  if (name === "") return null;
  const id = (await findRecipients(db, accountId, [name])).get(name);
  if (id === undefined) throw new PushError("recipientNotFound", `recipient ${JSON.stringify(name)} is not registered`);
  return id;
}

/** One page of an account's pushes, newest first. @throws PushError on bad filters or a foreign NextToken. */
export async function listPushMessages(db: DbOrTx, accountId: number, r: PushListRequest, now: Date): Promise<Page<PushListItem>> {
  const limit = checkRequest(r, pushStates);
  const fp = fingerprint("push", accountId, r);
  const after = decodeToken(r.nextToken, fp);
  const rid = await recipientId(db, accountId, r.recipient);
  const conds: SQL[] = [eq(pushMessages.accountId, accountId), ...timeConds(pushMessages, r)];
  if (after !== null) conds.push(lt(pushMessages.id, after));
  if (rid !== null) conds.push(eq(pushMessages.recipientId, rid));
  if (r.topic !== "") conds.push(eq(pushMessages.topic, r.topic));
  if (r.state === "EXPIRED") conds.push(sql`${pushMessages.state} = 'PENDING' and ${pushMessages.expiresAt} <= ${at(now)}`);
  else if (r.state === "PENDING") conds.push(sql`${pushMessages.state} = 'PENDING' and ${pushMessages.expiresAt} > ${at(now)}`);
  else if (r.state !== "") conds.push(eq(pushMessages.state, r.state));
  const rows = await db
    .select({ m: pushMessages, recipient: pushRecipients.recipient })
    .from(pushMessages)
    .innerJoin(pushRecipients, eq(pushRecipients.id, pushMessages.recipientId))
    .where(and(...conds))
    .orderBy(desc(pushMessages.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map(({ m, recipient }) => ({
    pushId: m.id,
    recipient,
    topic: m.topic,
    message: m.message,
    state: (m.state === "PENDING" && m.expiresAt.getTime() <= now.getTime() ? "EXPIRED" : m.state) as PushState,
    createdAt: m.createdAt,
    expiresAt: m.expiresAt,
    deliveredAt: m.deliveredAt,
    cancelledAt: m.cancelledAt,
  }));
  const more = rows.length > limit;
  return { items, nextToken: more ? Buffer.from(`${items[items.length - 1]!.pushId}.${fp}`).toString("base64url") : "" };
}

/**
 * One page of an account's global pushes, newest first. Without Recipient a live global push is
 * PENDING (it still reaches recipients that connect); with it, DELIVERED once that recipient got it.
 * @throws PushError on bad filters or a foreign NextToken.
 */
export async function listPushGlobals(db: DbOrTx, accountId: number, r: PushListRequest, now: Date): Promise<Page<PushGlobalListItem>> {
  const limit = checkRequest(r, pushStates);
  if (r.state === "DELIVERED" && r.recipient === "") throw new PushError("user", "State DELIVERED of a global message needs Recipient");
  const fp = fingerprint("global", accountId, r);
  const after = decodeToken(r.nextToken, fp);
  const rid = await recipientId(db, accountId, r.recipient);
  const delivered = rid === null
    ? sql<Date | null>`null::timestamptz`
    : sql<Date | null>`(select d.delivered_at from ${pushGlobalDeliveries} d where d.global_id = ${pushGlobals.id} and d.recipient_id = ${rid})`;
  const conds: SQL[] = [eq(pushGlobals.accountId, accountId), ...timeConds(pushGlobals, r)];
  if (after !== null) conds.push(lt(pushGlobals.id, after));
  if (r.topic !== "") conds.push(eq(pushGlobals.topic, r.topic));
  if (r.state === "CANCELLED") conds.push(sql`${pushGlobals.cancelledAt} is not null`);
  else if (r.state === "DELIVERED") conds.push(sql`${pushGlobals.cancelledAt} is null and ${delivered} is not null`);
  else if (r.state === "EXPIRED") conds.push(sql`${pushGlobals.cancelledAt} is null and ${delivered} is null and ${pushGlobals.expiresAt} <= ${at(now)}`);
  else if (r.state === "PENDING") conds.push(sql`${pushGlobals.cancelledAt} is null and ${delivered} is null and ${pushGlobals.expiresAt} > ${at(now)}`);
  const rows = await db
    .select({
      g: pushGlobals,
      deliveredAt: sql<string | null>`(extract(epoch from ${delivered}) * 1000)::bigint::text`,
      deliveries: sql<string>`(select count(*) from ${pushGlobalDeliveries} d where d.global_id = ${pushGlobals.id})::text`,
    })
    .from(pushGlobals)
    .where(and(...conds))
    .orderBy(desc(pushGlobals.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map(({ g, deliveredAt, deliveries }) => {
    const at = deliveredAt === null ? null : new Date(Number(deliveredAt));
    const state: PushState = g.cancelledAt ? "CANCELLED" : at ? "DELIVERED" : g.expiresAt.getTime() <= now.getTime() ? "EXPIRED" : "PENDING";
    return { globalId: g.id, topic: g.topic, message: g.message, state, createdAt: g.createdAt, expiresAt: g.expiresAt, deliveredAt: at, cancelledAt: g.cancelledAt, deliveries: Number(deliveries) };
  });
  const more = rows.length > limit;
  return { items, nextToken: more ? Buffer.from(`${items[items.length - 1]!.globalId}.${fp}`).toString("base64url") : "" };
}
