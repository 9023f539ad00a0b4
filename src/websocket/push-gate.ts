// The push side of the fan-out. Before a page of events is fanned out (or replayed), one
// `prepare` per page decides its push events for everyone at once: pushes some connected
// recipient is about to be sent are claimed PENDING -> DELIVERED (the conditional UPDATE in
// push/ is the arbiter across connections and processes), global pushes are claimed per
// recipient, and the state of the rest is read, so cancelled and expired pushes are never
// sent. The per-subscriber decision is then synchronous (`pushAllowed`).
import type { Logger } from "pino";
import type { Clock } from "../clock/index.js";
import type { DbOrTx } from "../db/index.js";
import { claimGlobalDeliveries, claimPushMessages, deliveredGlobals, pushGlobalStates, pushMessageStates, type PushRef } from "../push/index.js";
import { matchesFilter } from "./filter.js";
import { compareCursor } from "./position.js";
import type { StreamEvent, Subscriber } from "./subscriber.js";

/** What a prepared push event knows (shared by every subscriber it is offered to). */
export type PushDecision = PushRef & {
  /** Decided by a prepare: may be sent (not cancelled, not expired). */
  prepared: boolean;
  sendable: boolean;
  /** Was still to be delivered when prepared (a connection without `since` is sent only these). */
  undelivered: boolean;
  /** Global: recipients known to have had it before this process sent it; claimed: recorded here. */
  deliveredBefore: Set<number>;
  claimed: Set<number>;
};

/** True when the subscriber is in its backfill: events up to the point it connected, sent only when undelivered. */
export function inBackfill(sub: Subscriber, ev: StreamEvent): boolean {
  return sub.backfillThrough !== null && compareCursor(ev.pos, sub.backfillThrough) <= 0;
}

/** The synchronous decision for one subscriber the event already passed the filter of. */
export function pushAllowed(sub: Subscriber, ev: StreamEvent): boolean {
  const p = ev.push;
  if (!p) return !inBackfill(sub, ev); // mail events before a backfill's end were not asked for
  if (!p.prepared || !p.sendable) return false;
  if (!inBackfill(sub, ev)) return true;
  if (p.pushId !== null) return p.undelivered;
  const rid = sub.filter.push!.recipientId;
  return p.claimed.has(rid) || !p.deliveredBefore.has(rid);
}

// The recipient id of a push to one recipient, from its log address (`push:<id>`).
function recipientOf(ev: StreamEvent): number {
  return Number(ev.address.slice(ev.address.indexOf(":") + 1));
}

/** Prepares pages and records deliveries that happen after them. */
export type PushGate = {
  prepare(events: readonly StreamEvent[], subs: Iterable<Subscriber>, replaying?: Subscriber): Promise<void>;
  /** Called when a push frame was written to a subscriber's socket. */
  sent(sub: Subscriber, ev: StreamEvent): void;
};

/** Builds the gate over the database. */
export function createPushGate(deps: { db: DbOrTx; clock: Clock; log: Logger }): PushGate {
  const later = { ids: new Set<number>(), pairs: new Map<string, { globalId: number; recipientId: number }>(), scheduled: false };

  // Deliveries to connections that joined after their page was prepared, recorded in a batch.
  function flush(): void {
    later.scheduled = false;
    const ids = [...later.ids];
    const pairs = [...later.pairs.values()];
    later.ids.clear();
    later.pairs.clear();
    const now = new Date(deps.clock.now());
    Promise.all([claimPushMessages(deps.db, ids, now), claimGlobalDeliveries(deps.db, pairs, now)]).catch((err: unknown) =>
      deps.log.warn({ err }, "recording push deliveries failed"),
    );
  }

  return {
    async prepare(events, subs, replaying) {
      const pushes = events.filter((e) => e.push && !e.push.prepared);
      if (!pushes.length) return;
      const byRecipient = new Map<number, Subscriber[]>();
      for (const s of subs) {
        if (!s.filter.push || s.closed) continue;
        const list = byRecipient.get(s.filter.push.recipientId);
        if (list) list.push(s);
        else byRecipient.set(s.filter.push.recipientId, [s]);
      }
      const wants = (ev: StreamEvent, list: Subscriber[] | undefined) => !!list?.some((s) => matchesFilter(s.filter, ev));
      const direct = pushes.filter((e) => e.push!.pushId !== null);
      const globals = pushes.filter((e) => e.push!.globalId !== null);
      const now = new Date(deps.clock.now());
      const claimIds = direct.filter((e) => wants(e, byRecipient.get(recipientOf(e)))).map((e) => e.push!.pushId!);
      const pairs: { globalId: number; recipientId: number }[] = [];
      for (const e of globals) for (const [rid, list] of byRecipient) if (wants(e, list)) pairs.push({ globalId: e.push!.globalId!, recipientId: rid });
      const [claimed, claimedPairs] = await Promise.all([claimPushMessages(deps.db, claimIds, now), claimGlobalDeliveries(deps.db, pairs, now)]);
      const claimedSet = new Set(claimed);
      const [states, gstates, before] = await Promise.all([
        pushMessageStates(deps.db, direct.map((e) => e.push!.pushId!).filter((id) => !claimedSet.has(id))),
        pushGlobalStates(deps.db, globals.map((e) => e.push!.globalId!)),
        replaying?.filter.push ? deliveredGlobals(deps.db, replaying.filter.push.recipientId, globals.map((e) => e.push!.globalId!)) : Promise.resolve(new Set<number>()),
      ]);
      const stateOf = new Map(states.map((s) => [s.id, s]));
      const gstateOf = new Map(gstates.map((s) => [s.id, s]));
      for (const e of direct) {
        const p = e.push!;
        const s = stateOf.get(p.pushId!);
        const live = !!s && s.expiresAt.getTime() > now.getTime();
        p.undelivered = claimedSet.has(p.pushId!) || (live && s.state === "PENDING");
        p.sendable = p.undelivered || (live && s.state === "DELIVERED");
        if (claimedSet.has(p.pushId!)) p.claimed.add(recipientOf(e));
        p.prepared = true;
      }
      for (const e of globals) {
        const p = e.push!;
        const g = gstateOf.get(p.globalId!);
        const mine = claimedPairs.filter((c) => c.globalId === p.globalId);
        for (const c of mine) p.claimed.add(c.recipientId);
        for (const c of pairs) if (c.globalId === p.globalId && !p.claimed.has(c.recipientId)) p.deliveredBefore.add(c.recipientId);
        if (before.has(p.globalId!) && replaying?.filter.push && !p.claimed.has(replaying.filter.push.recipientId)) p.deliveredBefore.add(replaying.filter.push.recipientId);
        p.sendable = !!g && !g.cancelledAt && g.expiresAt.getTime() > now.getTime();
        p.undelivered = p.sendable;
        p.prepared = true;
      }
    },
    sent(sub, ev) {
      const p = ev.push;
      if (!p || !sub.filter.push) return;
      const rid = sub.filter.push.recipientId;
      if (p.claimed.has(rid)) return;
      p.claimed.add(rid);
      if (p.pushId !== null) later.ids.add(p.pushId);
      else later.pairs.set(`${p.globalId}.${rid}`, { globalId: p.globalId!, recipientId: rid });
      if (!later.scheduled) {
        later.scheduled = true;
        setImmediate(flush);
      }
    },
  };
}
