import type { Logger } from "pino";
import type { Database } from "../db/index.js";
import type { Cursor, EventLog } from "../events/index.js";
import { compareCursor, laterCursor, snapshotTail } from "./position.js";
import { currentSnapshot } from "./queries.js";
import { matchesFilter } from "./filter.js";
import { prepareIncludes } from "./include.js";
import type { PushGate } from "./push-gate.js";
import { offer, replay, toStreamEvent, type OfferResult, type StreamEvent, type Subscriber } from "./subscriber.js";

/** Tuning of the shared readers. */
export type HubOptions = {
  /** Events per log read. */
  pageSize: number;
  /** Socket buffer above which a live subscriber is cut off (replay waits instead). */
  maxBufferedBytes: number;
  /** How long a reader with no subscribers is kept (saves re-reading the horizon on reconnects). */
  idleFeedMs: number;
  /** How often pending settle checks poll the transaction horizon. */
  settlePollMs: number;
};

/** Counters for {@link Hub.stats}. */
export type HubStats = {
  feeds: number;
  live: number;
  replaying: number;
  framesSent: number;
  slowConsumers: number;
  reads: number;
  /** Replays that joined by taking the reader's recent events instead of reading again. */
  handovers: number;
};

/** The per-process fan-out: one reader per account with subscribers, fed by the log's wakes. */
export type Hub = {
  /**
   * Starts a subscriber: `listening(start)` is called (synchronously before any event frame)
   * with the position the stream starts after; then missed events are replayed from `since`
   * and the subscriber joins the live fan-out with no gap and no duplicate at the seam.
   */
  attach(sub: Subscriber, since: Cursor | null, listening: (start: Cursor) => void): Promise<void>;
  detach(sub: Subscriber): void;
  stats(): HubStats;
  close(): void;
};

// One account's shared reader. `head` is the position through which the log has been read
// and fanned out. `settleAt`: a woken read ran while older transactions were still open, so an
// event committed before the wake may have been invisible to it (the log hides rows until no
// older transaction runs); once the horizon (xmin) reaches settleAt, one more read finds it.
type Feed = {
  accountId: number;
  head: Cursor;
  ready: Promise<void>;
  initialized: boolean;
  live: Set<Subscriber>;
  joining: number;
  reading: boolean;
  dirty: boolean;
  woken: boolean;
  settleAt: bigint | null;
  timer: NodeJS.Timeout | null;
  /** The last events fanned out (bounded), contiguous in log order after `recentFrom`. */
  recent: StreamEvent[];
  recentFrom: Cursor;
  recentBytes: number;
};

// What a feed keeps of its latest events, so a replaying subscriber that the reader just
// overtook can take the difference synchronously and join without another read.
const recentMaxEvents = 256;
const recentMaxBytes = 256 * 1024;

/** Builds the hub and subscribes it to the log's wakes (in-process and, on PostgreSQL, LISTEN). */
export function createHub(
  deps: { database: Database; eventLog: EventLog; log: Logger; onSlowConsumer(sub: Subscriber): void; pushGate: PushGate },
  o: HubOptions,
): Hub {
  const gate = deps.pushGate;
  const { eventLog, log } = deps;
  const db = deps.database.db;
  const singleSession = deps.database.kind === "pglite";
  const feeds = new Map<number, Feed>();
  const counters = { framesSent: 0, slowConsumers: 0, reads: 0, handovers: 0 };
  let closed = false;
  let ticker: NodeJS.Timeout | null = null;
  let ticking = false;

  const stopWake = eventLog.onWake((accountId) => {
    const feed = feeds.get(accountId);
    if (!feed) return; // nobody here listens to this account: costs nothing
    feed.woken = true;
    void drain(feed);
  });

  function feedFor(accountId: number): Feed {
    let feed = feeds.get(accountId);
    if (feed) return feed;
    const f: Feed = { accountId, head: { txId: 0n, id: 0 }, ready: Promise.resolve(), initialized: false, live: new Set(), joining: 0, reading: false, dirty: false, woken: false, settleAt: null, timer: null, recent: [], recentFrom: { txId: 0n, id: 0 }, recentBytes: 0 };
    // Start at the horizon: everything appended from now on sorts after it.
    f.ready = currentSnapshot(db).then((s) => {
      f.head = f.recentFrom = snapshotTail(s);
      f.settleAt = s.xmin < s.xmax ? s.xmax : null;
      f.initialized = true;
      if (f.dirty || f.settleAt !== null) void drain(f);
    });
    f.ready.catch(() => feeds.get(accountId) === f && feeds.delete(accountId));
    feeds.set(accountId, (feed = f));
    return feed;
  }

  async function drain(feed: Feed): Promise<void> {
    if (closed) return;
    if (feed.reading || !feed.initialized) {
      feed.dirty = true;
      return;
    }
    feed.reading = true;
    try {
      do {
        feed.dirty = false;
        const woken = feed.woken;
        feed.woken = false;
        // Taken after the wakes this pass answers. PGlite is one session: no transaction can be
        // open while this reads, so nothing is ever hidden and the query is skipped.
        const snap = singleSession ? null : await currentSnapshot(db);
        for (;;) {
          counters.reads++;
          const page = await eventLog.read({ accountId: feed.accountId, after: feed.head, limit: o.pageSize });
          const evs = page.map(toStreamEvent);
          await gate.prepare(evs, feed.live);
          await prepareIncludes(db, feed.accountId, evs, feed.live);
          for (const ev of evs) fanOut(feed, ev);
          if (page.length < o.pageSize || closed) break;
        }
        // A woken pass must be followed by a read with xmin >= this snapshot's xmax, unless no
        // transaction was open (xmin = xmax: the read saw every commit). Any pass satisfies an
        // earlier target its snapshot has reached.
        if (!snap) feed.settleAt = null;
        else if (woken) feed.settleAt = snap.xmin < snap.xmax ? snap.xmax : null;
        else if (feed.settleAt !== null && snap.xmin >= feed.settleAt) feed.settleAt = null;
      } while (feed.dirty && !closed);
    } catch (err) {
      log.warn({ err, accountId: feed.accountId }, "event stream read failed, retrying");
      feed.dirty = true;
      if (!closed) setTimeout(() => void drain(feed), 1000).unref();
    } finally {
      feed.reading = false;
    }
    if (feed.settleAt !== null) startTicker();
  }

  function fanOut(feed: Feed, ev: StreamEvent): void {
    feed.head = ev.pos;
    feed.recent.push(ev);
    feed.recentBytes += ev.frame.length;
    while (feed.recent.length > recentMaxEvents || (feed.recentBytes > recentMaxBytes && feed.recent.length > 1)) {
      const old = feed.recent.shift()!;
      feed.recentBytes -= old.frame.length;
      feed.recentFrom = old.pos;
    }
    for (const sub of feed.live) if (offerOrCut(sub, ev) === "overflow") feed.live.delete(sub);
  }

  function offerOrCut(sub: Subscriber, ev: StreamEvent): OfferResult {
    const r = offer(sub, ev, o.maxBufferedBytes);
    if (r === "sent") {
      counters.framesSent++;
      if (ev.push) gate.sent(sub, ev);
    }
    else if (r === "overflow") {
      counters.slowConsumers++;
      deps.onSlowConsumer(sub);
    }
    return r;
  }

  // One horizon query per tick for all feeds; runs only while some feed awaits settling.
  function startTicker(): void {
    if (ticker || closed) return;
    ticker = setInterval(() => {
      if (ticking) return;
      const pending = [...feeds.values()].filter((f) => f.settleAt !== null);
      if (!pending.length) {
        clearInterval(ticker!);
        ticker = null;
        return;
      }
      ticking = true;
      currentSnapshot(db)
        .then((s) => {
          for (const f of pending) if (f.settleAt !== null && s.xmin >= f.settleAt) void drain(f);
        })
        .catch((err: unknown) => log.warn({ err }, "event stream horizon check failed"))
        .finally(() => (ticking = false));
    }, o.settlePollMs);
    ticker.unref();
  }

  async function catchUp(feed: Feed, sub: Subscriber): Promise<void> {
    for (;;) {
      const snap = await currentSnapshot(db);
      counters.reads++;
      const page = await eventLog.read({ accountId: feed.accountId, after: sub.cursor, limit: o.pageSize });
      const evs = page.map(toStreamEvent);
      await gate.prepare(evs, [sub], sub);
      await prepareIncludes(db, feed.accountId, evs, [sub]);
      for (const ev of evs) {
        const sent = () => {
          counters.framesSent++;
          if (ev.push) gate.sent(sub, ev);
        };
        if (!(await replay(sub, ev, o.maxBufferedBytes, sent))) return;
      }
      if (sub.closed) return;
      if (page.length < o.pageSize) {
        // A short page returned every event of transactions that ended before the snapshot.
        sub.cursor = laterCursor(sub.cursor, snapshotTail(snap));
        // What the reader prepared for its live subscribers only (a push's claim and backfill
        // state, an incoming message's stored copy for include=) is read again for this one.
        const ownRead = feed.recent.some(
          (ev) => compareCursor(ev.pos, sub.cursor) > 0 && matchesFilter(sub.filter, ev) && (ev.push !== undefined || (sub.include !== null && ev.kind === "incoming" && ev.stored === undefined)),
        );
        if (!ownRead && compareCursor(sub.cursor, feed.head) < 0 && compareCursor(feed.recentFrom, sub.cursor) <= 0) {
          // The reader overtook it, by no more than what it keeps: hand over the difference now.
          counters.handovers++;
          for (const ev of feed.recent) if (offerOrCut(sub, ev) === "overflow") return;
        }
        if (compareCursor(sub.cursor, feed.head) >= 0) {
          sub.live = true;
          feed.live.add(sub); // from here the shared reader serves it; offer() skips what it has
          return;
        }
      }
    }
  }

  function maybeIdle(feed: Feed): void {
    if (feed.live.size || feed.joining || feed.timer) return;
    feed.timer = setTimeout(() => {
      feed.timer = null;
      if (!feed.live.size && !feed.joining && feeds.get(feed.accountId) === feed) feeds.delete(feed.accountId);
    }, o.idleFeedMs);
    feed.timer.unref();
  }

  return {
    async attach(sub, since, listening) {
      const feed = feedFor(sub.accountId);
      feed.joining++;
      if (feed.timer) clearTimeout(feed.timer);
      feed.timer = null;
      try {
        await feed.ready;
        if (sub.closed) return;
        if (!since) {
          // Synchronous from here: no event can be fanned out between the frame and joining.
          sub.cursor = feed.head;
          listening(feed.head);
          sub.live = true;
          feed.live.add(sub);
          return;
        }
        sub.cursor = since;
        listening(since);
        await catchUp(feed, sub);
      } finally {
        feed.joining--;
        maybeIdle(feed);
      }
    },
    detach(sub) {
      sub.closed = true;
      const feed = feeds.get(sub.accountId);
      if (!feed) return;
      feed.live.delete(sub);
      maybeIdle(feed);
    },
    stats() {
      let live = 0;
      let replaying = 0;
      for (const f of feeds.values()) {
        live += f.live.size;
        replaying += f.joining;
      }
      return { feeds: feeds.size, live, replaying, ...counters };
    },
    close() {
      closed = true;
      stopWake();
      if (ticker) clearInterval(ticker);
      for (const f of feeds.values()) if (f.timer) clearTimeout(f.timer);
      feeds.clear();
    },
  };
}
