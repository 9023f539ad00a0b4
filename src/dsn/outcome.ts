// docs/contract.md §2.9 step 3: what an incoming message matched to a sent one means for the
// outgoing webhook. Pure; the caller did the FromID lookup and owns suppression.
import { dsnActions, type DsnAction, type DsnParseResult } from "./types.js";

/** Outgoing event for an incoming DSN: a DSN action, or `unrecognized`. */
export type IncomingDsnEvent = DsnAction | "unrecognized";

/** What {@link incomingDsnOutcome} decided. */
export interface IncomingDsnOutcome {
  readonly event: IncomingDsnEvent;
  /** The webhook's `DSN` flag: true when the message was a report, even an unreadable one. */
  readonly dsn: boolean;
  /** `SMTPCode` for the webhook (0 when none). */
  readonly smtpCode: number;
  /** `SMTPEnhancedCode` for the webhook ("" when none). */
  readonly enhancedCode: string;
  /** Why the event is `unrecognized`, for the retired message's result; "" otherwise. */
  readonly error: string;
}

/**
 * Maps a parse result to the event: exactly one recipient is required; its Action becomes
 * the event (unknown actions → `unrecognized`). A `failed` event with a non-zero code is
 * also the caller's cue for suppression processing with source "DSN".
 */
export function incomingDsnOutcome(r: DsnParseResult): IncomingDsnOutcome {
  const none = { smtpCode: 0, enhancedCode: "" };
  if (!r.isDsn) return { event: "unrecognized", dsn: false, ...none, error: "incoming message not a dsn" };
  if (!r.ok) return { event: "unrecognized", dsn: true, ...none, error: `parsing incoming dsn: ${r.error}` };
  const rcpts = r.dsn.recipients;
  if (rcpts.length !== 1) return { event: "unrecognized", dsn: true, ...none, error: `incoming dsn has ${rcpts.length} recipients, expecting 1` };
  const rcpt = rcpts[0]!;
  const known = (dsnActions as readonly string[]).includes(rcpt.action);
  return {
    event: known ? (rcpt.action as DsnAction) : "unrecognized",
    dsn: true,
    smtpCode: rcpt.smtpCode,
    enhancedCode: rcpt.enhancedCode,
    error: known ? "" : `unrecognized dsn action ${JSON.stringify(rcpt.action)}`,
  };
}
