import { EventEmitter } from "node:events";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { statement, type Database, type DbOrTx, type Tx, schema } from "../db/index.js";
import type { EventKind } from "./catalogue.js";
import { encodeCursor, type Cursor } from "./cursor.js";

const { events } = schema;
const channel = "postwire_events";

/** What a writer appends. */
export type NewEvent = {
  accountId: number;
  kind: EventKind;
  address: string;
  messageId?: number | null;
  queueMsgId?: number | null;
  /** The exact JSON text sent to webhooks and WebSocket clients (mox key order). */
  payload: string;
};

/**
 * An event read back from the log. `payloadBytes` (the payload's UTF-8 length) is set when it
 * was read without its payload (`withPayload: false`); `payload` is then "".
 */
export type LoggedEvent = NewEvent & { id: number; cursor: string; createdAt: Date; payloadBytes?: number };

/** Called inside the appending transaction (the webhook outbox hooks in here). */
export type AppendHook = (tx: Tx, event: NewEvent & { id: number }) => Promise<void>;

/** Filter for reading. */
export type ReadFilter = {
  accountId: number;
  after: Cursor;
  kinds?: readonly string[];
  addresses?: readonly string[];
  limit?: number;
  /**
   * False: leave the payload in the database and report its size instead, for readers that
   * filter or budget first and fetch the payloads they keep with `payloads()`. Default true.
   */
  withPayload?: boolean;
};

/** The durable event log of one process. */
export type EventLog = {
  /** Appends inside the caller's transaction; hooks run in the same transaction. */
  append(tx: Tx, ev: NewEvent): Promise<{ id: number }>;
  /** Appends several events in one statement (ids in the given order); hooks run for each. */
  appendMany(tx: Tx, evs: readonly NewEvent[]): Promise<{ id: number }[]>;
  /** Wakes readers of this process; call after the appending transaction committed. */
  committed(accountId: number): void;
  /** Reads committed events after a cursor in log order, never skipping one that commits later. */
  read(f: ReadFilter, db?: DbOrTx): Promise<LoggedEvent[]>;
  /** The payloads of some of an account's events, by event id (ids not found are absent). */
  payloads(accountId: number, ids: readonly number[], db?: DbOrTx): Promise<Map<number, string>>;
  /** Called (with the account id) whenever new events may be readable, from any instance. */
  onWake(cb: (accountId: number) => void): () => void;
  /** Registers the in-transaction hook (app wires webhooks here). */
  setAppendHook(h: AppendHook): void;
  close(): Promise<void>;
};

// The append, built once (db/statements.ts).
const insertEvent = statement<Required<Omit<typeof events.$inferInsert, "id" | "txId" | "createdAt">>, { id: number }[]>("insert_event", (d) =>
  d
    .insert(events)
    .values({
      accountId: sql.placeholder("accountId"),
      kind: sql.placeholder("kind"),
      address: sql.placeholder("address"),
      messageId: sql.placeholder("messageId"),
      queueMsgId: sql.placeholder("queueMsgId"),
      payload: sql.placeholder("payload"),
    })
    .returning({ id: events.id }),
);

/** Creates the event log over an open database; starts LISTEN on PostgreSQL. */
export async function createEventLog(deps: { database: Database; log: Logger }): Promise<EventLog> {
  const { database } = deps;
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let hook: AppendHook | null = null;
  const unlisten = database.listen
    ? await database.listen(channel, (p) => bus.emit("wake", Number(p)))
    : null;

  return {
    async append(tx, ev) {
      // NOTIFY is delivered after COMMIT to every instance (including this one) and dropped on
      // rollback, so it can be pipelined ahead of the insert: one round trip for both.
      const notified = database.listen ? tx.execute(sql`select pg_notify(${channel}, ${String(ev.accountId)})`).then(() => {}) : null;
      // When the connection drops, the insert below throws first and `notified` is never awaited:
      // handled now, or its rejection would be unhandled and end the process.
      notified?.catch(() => {});
      const [row] = await insertEvent(tx, {
        accountId: ev.accountId,
        kind: ev.kind,
        address: ev.address.toLowerCase(),
        messageId: ev.messageId ?? null,
        queueMsgId: ev.queueMsgId ?? null,
        payload: ev.payload,
      });
      if (hook) await hook(tx, { ...ev, id: row!.id });
      await notified;
      return { id: row!.id };
    },
    async appendMany(tx, evs) {
      if (!evs.length) return [];
      const accounts = [...new Set(evs.map((e) => e.accountId))];
      const notified = database.listen
        ? Promise.all(accounts.map((a) => tx.execute(sql`select pg_notify(${channel}, ${String(a)})`))).then(() => {})
        : null;
      notified?.catch(() => {}); // awaited below; see append
      const rows = await tx
        .insert(events)
        .values(evs.map((ev) => ({ accountId: ev.accountId, kind: ev.kind, address: ev.address.toLowerCase(), messageId: ev.messageId ?? null, queueMsgId: ev.queueMsgId ?? null, payload: ev.payload })))
        .returning({ id: events.id });
      // bigserial ids are drawn in VALUES order: ascending ids are the events in the given order.
      const ids = rows.map((r) => r.id).sort((a, b) => a - b);
      if (hook) for (const [i, ev] of evs.entries()) await hook(tx, { ...ev, id: ids[i]! });
      await notified;
      return ids.map((id) => ({ id }));
    },
    committed(accountId) {
      bus.emit("wake", accountId);
    },
    async read(f, db = database.db) {
      const conds = [
        eq(events.accountId, f.accountId),
        sql`(${events.txId}, ${events.id}) > (${f.after.txId.toString()}::bigint, ${f.after.id}::bigint)`,
        // Only transactions older than every running one: nothing can commit behind the cursor.
        sql`${events.txId} < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`,
      ];
      if (f.kinds?.length) conds.push(inArray(events.kind, [...f.kinds]));
      if (f.addresses?.length) conds.push(inArray(events.address, f.addresses.map((a) => a.toLowerCase())));
      const withPayload = f.withPayload ?? true;
      const rows = await db
        .select({
          id: events.id,
          txId: events.txId,
          accountId: events.accountId,
          kind: events.kind,
          address: events.address,
          messageId: events.messageId,
          queueMsgId: events.queueMsgId,
          createdAt: events.createdAt,
          payload: withPayload ? events.payload : sql<string>`''`,
          payloadBytes: withPayload ? sql<null>`null` : sql<number>`octet_length(${events.payload})`,
        })
        .from(events)
        .where(and(...conds))
        .orderBy(asc(events.txId), asc(events.id))
        .limit(f.limit ?? 100);
      return rows.map((r) => ({
        id: r.id,
        accountId: r.accountId,
        kind: r.kind as EventKind,
        address: r.address,
        messageId: r.messageId,
        queueMsgId: r.queueMsgId,
        payload: r.payload,
        createdAt: r.createdAt,
        cursor: encodeCursor({ txId: r.txId, id: r.id }),
        ...(withPayload ? {} : { payloadBytes: Number(r.payloadBytes) }),
      }));
    },
    async payloads(accountId, ids, db = database.db) {
      if (ids.length === 0) return new Map();
      const rows = await db
        .select({ id: events.id, payload: events.payload })
        .from(events)
        .where(and(eq(events.accountId, accountId), inArray(events.id, [...ids])));
      return new Map(rows.map((r) => [r.id, r.payload]));
    },
    onWake(cb) {
      bus.on("wake", cb);
      return () => bus.off("wake", cb);
    },
    setAppendHook(h) {
      hook = h;
    },
    async close() {
      await unlisten?.();
      bus.removeAllListeners();
    },
  };
}
