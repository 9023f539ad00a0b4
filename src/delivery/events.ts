// Outgoing delivery events: mox `webhook.Outgoing` JSON, appended to the event log inside the
// transaction that changes the message's state.
import type { Tx } from "../db/index.js";
import { serializeOutgoing, type EventKind, type EventLog, type OutgoingEvent } from "../events/index.js";
import type { OutboundRow } from "./queries.js";

/** The outgoing event kinds delivery appends (mox's eight plus `queued`). */
export type OutgoingKind = Exclude<EventKind, "incoming" | "push">;

/** Event details beyond the message's own fields. */
export type EventDetails = {
  code?: number;
  /** Enhanced code without its class ("1.1"); becomes `<code/100>.<secode>` like mox. */
  secode?: string;
  error?: string;
  dsn?: boolean;
  suppressing?: boolean;
  /** DSN-triggered events carry the original's Extra as is (null when it had none). */
  extraNullable?: boolean;
  /** A bounce DSN's class (the BounceClass extension field). */
  bounceClass?: "soft" | "hard";
};

/** The exact JSON body of an outgoing event (mox key order, Go encoding). */
export function outgoingJson(row: OutboundRow, kind: OutgoingKind, d: EventDetails, now: Date): string {
  const code = d.code ?? 0;
  const secode = d.secode ?? "";
  const extra = row.extra ?? {};
  return serializeOutgoing({
    Version: 0,
    // `queued` is Postwire's addition to mox's OutgoingEvent; the serializer writes it as given.
    Event: kind as OutgoingEvent,
    DSN: d.dsn ?? false,
    Suppressing: d.suppressing ?? false,
    QueueMsgID: row.id,
    FromID: row.fromId,
    MessageID: row.messageId,
    Subject: row.subject,
    WebhookQueued: now,
    SMTPCode: code,
    SMTPEnhancedCode: secode ? `${Math.floor(code / 100)}.${secode}` : "",
    Error: d.error ?? "",
    Extra: d.extraNullable && Object.keys(extra).length === 0 ? null : extra,
    Recipient: row.recipient,
    MailFrom: row.mailFrom,
    ...(d.bounceClass ? { BounceClass: d.bounceClass } : {}),
  });
}

/** Appends an outgoing event about `row` for `accountId` (default: the sender account). */
export async function appendOutgoing(
  eventLog: EventLog,
  tx: Tx,
  row: OutboundRow,
  kind: OutgoingKind,
  d: EventDetails,
  now: Date,
  accountId = row.accountId,
): Promise<void> {
  await eventLog.append(tx, {
    accountId,
    kind,
    address: row.recipient,
    queueMsgId: row.id,
    payload: outgoingJson(row, kind, d, now),
  });
}
