/**
 * The names of the event kinds, in one place: mox's eight outgoing webhook events (docs/contract.md
 * §2.3), the outgoing kinds of the event log (those plus `queued`), and every kind (plus
 * `incoming` and `push`). Configuration, the event log, webhooks and the stream all derive from these lists.
 */

/** The eight outgoing event names of mox's webhooks, in mox's order. */
export const MOX_OUTGOING_EVENTS = ["delivered", "suppressed", "delayed", "failed", "relayed", "expanded", "canceled", "unrecognized"] as const;

/**
 * Outgoing event kinds of the log: mox's eight plus Postwire's `queued` (the message entered the
 * queue), `unsubscribed` (a recipient used a one-click unsubscribe link) and `complaint` (an
 * ARF feedback report about a message, RFC 5965).
 */
export const OUTGOING_EVENT_KINDS = ["queued", ...MOX_OUTGOING_EVENTS, "unsubscribed", "complaint"] as const;

/**
 * Every event kind in the log: incoming mail, the outgoing lifecycle, and `push` (an app's push
 * message; only its recipients' WebSocket connections receive it, never webhooks).
 */
export const EVENT_KINDS = ["incoming", ...OUTGOING_EVENT_KINDS, "push"] as const;

/** Any event kind of the log. */
export type EventKind = (typeof EVENT_KINDS)[number];
