/** Every kind of event in the log: incoming mail plus the outgoing delivery lifecycle. */
export const eventKinds = [
  "incoming",
  "queued",
  "delivered",
  "suppressed",
  "delayed",
  "failed",
  "relayed",
  "expanded",
  "canceled",
  "unrecognized",
] as const;

export type EventKind = (typeof eventKinds)[number];

/** The outgoing (delivery) event kinds, as in mox's webhook.OutgoingEvent plus `queued`. */
export const outgoingEventKinds = eventKinds.filter((k) => k !== "incoming") as Exclude<EventKind, "incoming">[];

/** True for a known event kind name. */
export function isEventKind(s: string): s is EventKind {
  return (eventKinds as readonly string[]).includes(s);
}
