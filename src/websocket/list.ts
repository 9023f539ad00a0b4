import type { Clock } from "../clock/index.js";
import type { Database } from "../db/index.js";
import { decodeCursor, encodeCursor, type EventLog, type LoggedEvent } from "../events/index.js";
import { resolveAddressRules } from "./addresses.js";
import { EventStreamError } from "./errors.js";
import { eventJson } from "./frame.js";
import { matchesFilter, parseKinds, type StreamFilter } from "./filter.js";
import { laterCursor, snapshotTail } from "./position.js";
import { currentSnapshot } from "./queries.js";
import { createEventToken, type EventTokenRequest } from "./tokens.js";

/** A page request of EventList: the same filters as the stream, by cursor. */
export type EventListRequest = {
  /** Position to read after (a Cursor from a frame or a previous page); "" = the beginning. */
  cursor: string;
  addresses: readonly string[];
  kinds: readonly string[];
  /** Events per page; 0 = 100, at most 1000. */
  limit: number;
  /** Payload bytes per page (default {@link maxPageBytes}); at least one event is returned. */
  maxBytes?: number;
};

/** One page: the events, the cursor to pass next time, and whether more may follow at once. */
export type EventListResult = { events: LoggedEvent[]; cursor: string; more: boolean };

// Rows one call examines at most: a narrow filter over a long log answers in bounded time.
const maxScan = 5000;
const scanPage = 500;

/**
 * Payload bytes one EventList page carries at most, next to the count limit. A page always
 * holds at least one event (one larger than this comes alone), so a poller always advances.
 */
export const maxPageBytes = 4 << 20;
// Per-event frame overhead counted against the budget (cursor, kind, keys).
const frameOverhead = 120;

/**
 * Reads one page of an account's events after a cursor, filtered exactly as the stream filters
 * them. When the end of the log is reached the returned cursor moves to the horizon, so a
 * poller with a narrow filter does not rescan the events it skipped.
 * @throws EventStreamError for a malformed cursor, an unknown kind or a foreign address.
 */
export async function listEvents(deps: { database: Database; eventLog: EventLog }, accountId: number, req: EventListRequest): Promise<EventListResult> {
  const db = deps.database.db;
  const limit = req.limit || 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new EventStreamError("badRequest", "limit must be 1 to 1000");
  let after;
  try {
    after = decodeCursor(req.cursor);
  } catch (err) {
    throw new EventStreamError("badRequest", "malformed cursor", { cause: err });
  }
  const kinds = parseKinds(req.kinds);
  const filter: StreamFilter = {
    kinds: kinds.length ? new Set(kinds) : null,
    addresses: req.addresses.length ? await resolveAddressRules(db, accountId, req.addresses) : null,
  };
  // The scan reads no payloads: it filters and budgets on the rows' metadata and payload sizes,
  // then fetches the payloads of the page it keeps. Events it drops cost no payload bytes.
  const kept: LoggedEvent[] = [];
  let bytes = 0;
  let result: { cursor: string; more: boolean } | null = null;
  scan: for (let scanned = 0; scanned < maxScan; ) {
    const snap = await currentSnapshot(db);
    const page = await deps.eventLog.read({ accountId, after, limit: scanPage, withPayload: false });
    for (const ev of page) {
      if (!matchesFilter(filter, ev)) {
        after = decodeCursor(ev.cursor);
        continue;
      }
      const size = (ev.payloadBytes ?? 0) + frameOverhead;
      if (kept.length > 0 && bytes + size > (req.maxBytes ?? maxPageBytes)) {
        result = { cursor: kept[kept.length - 1]!.cursor, more: true };
        break scan;
      }
      after = decodeCursor(ev.cursor);
      kept.push(ev);
      bytes += size;
      if (kept.length === limit) {
        result = { cursor: ev.cursor, more: true };
        break scan;
      }
    }
    scanned += page.length;
    if (page.length < scanPage) {
      result = { cursor: encodeCursor(laterCursor(after, snapshotTail(snap))), more: false };
      break;
    }
  }
  result ??= { cursor: encodeCursor(after), more: true };
  const payloads = await deps.eventLog.payloads(accountId, kept.map((ev) => ev.id));
  const events = kept.map((ev) => ({ ...ev, payload: payloads.get(ev.id) ?? "" }));
  return { events, ...result };
}

/** EventList's response body: `{"Events":[<frame>...],"Cursor","More"}`, payloads verbatim. */
export function eventListJson(r: EventListResult): string {
  return `{"Events":[${r.events.map(eventJson).join(",")}],"Cursor":${JSON.stringify(r.cursor)},"More":${r.more}}\n`;
}

/**
 * What the webapi's EventTokenCreate and EventList methods call (the API reaches it through
 * injection: api and websocket are peers and do not import each other).
 */
export type EventMethods = {
  createToken(accountId: number, req: EventTokenRequest): Promise<{ token: string; expires: Date }>;
  /** The EventList response body (JSON text with trailing newline). */
  listJson(accountId: number, req: EventListRequest): Promise<string>;
};

/** Builds {@link EventMethods} over the database, the log and the clock. */
export function createEventMethods(deps: { database: Database; eventLog: EventLog; clock: Clock }): EventMethods {
  return {
    async createToken(accountId, req) {
      const { token, expires } = await createEventToken({ db: deps.database.db, clock: deps.clock }, accountId, req);
      return { token, expires };
    },
    async listJson(accountId, req) {
      return eventListJson(await listEvents(deps, accountId, req));
    },
  };
}
