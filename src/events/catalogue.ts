import { EVENT_KINDS, OUTGOING_EVENT_KINDS, type EventKind } from "../event-kind/index.js";

export type { EventKind };

/** Every kind of event in the log: incoming mail plus the outgoing delivery lifecycle. */
export const eventKinds = EVENT_KINDS;

/** The outgoing (delivery) event kinds, as in mox's webhook.OutgoingEvent plus `queued`. */
export const outgoingEventKinds = OUTGOING_EVENT_KINDS;

/** True for a known event kind name. */
export function isEventKind(s: string): s is EventKind {
  return (eventKinds as readonly string[]).includes(s);
}
