import type { WebSocket } from "ws";
import { decodeCursor, type Cursor, type LoggedEvent } from "../events/index.js";
import { eventJson } from "./frame.js";
import { matchesFilter, type StreamFilter } from "./filter.js";
import { compareCursor } from "./position.js";
import { frameFor, type Include } from "./include.js";
import { pushAllowed, type PushDecision } from "./push-gate.js";
import { parsePushPayload } from "../push/index.js";

/** One connected client of the stream. */
export type Subscriber = {
  readonly id: number;
  readonly accountId: number;
  readonly ws: WebSocket;
  readonly filter: StreamFilter;
  readonly ip: string;
  /** Position through which this subscriber has been served (sent, or passed by its filter). */
  cursor: Cursor;
  /**
   * A push recipient connecting without `since` starts at its oldest undelivered push; up to
   * this position it is sent only pushes still undelivered (no mail events). Null otherwise.
   */
  backfillThrough: Cursor | null;
  /** Adds the raw message and/or its header list to incoming frames (`include=`); null: plain frames. */
  include: Include | null;
  /** Receives from the account's shared reader (false while replaying). */
  live: boolean;
  /** No more frames: closing, cut off or gone. */
  closed: boolean;
  /** Answered the last ping (heartbeat). */
  alive: boolean;
  /** Resolves when the socket has closed; ends waits for a flush. */
  readonly gone: Promise<void>;
  /** Resolves when the last replayed frame has been written to the socket. */
  lastWrite: Promise<void> | null;
};

/** An event decoded once per read and shared by every subscriber it is offered to. */
export type StreamEvent = {
  pos: Cursor;
  kind: string;
  address: string;
  frame: Buffer;
  topic?: string;
  push?: PushDecision;
  /** The stored message (incoming), for `include=` subscribers: loaded once per event; null when gone. */
  messageId?: number | null;
  stored?: Buffer | null;
  /** Frames with Raw/Headers, built once per variant. */
  variants?: Map<string, Buffer>;
};

/** Builds the shared form of a logged event (its frame bytes are built once). */
export function toStreamEvent(ev: LoggedEvent): StreamEvent {
  const out: StreamEvent = { pos: decodeCursor(ev.cursor), kind: ev.kind, address: ev.address, frame: Buffer.from(eventJson(ev)), messageId: ev.messageId ?? null };
  if (ev.kind === "push") {
    const ref = parsePushPayload(ev.payload);
    out.topic = ref.topic;
    out.push = { ...ref, prepared: false, sendable: false, undelivered: false, deliveredBefore: new Set(), claimed: new Set() };
  }
  return out;
}

/** What {@link offer} did. */
export type OfferResult = "sent" | "skipped" | "overflow";

/**
 * Offers an event to a live subscriber: skipped if already served (this is what makes the seam
 * between replay and live free of duplicates) or filtered out; "overflow" when sending would
 * push the socket's buffer past `cap` (the caller cuts the subscriber off, so memory does not
 * grow with a slow consumer). An empty buffer always takes one frame, however large.
 */
export function offer(sub: Subscriber, ev: StreamEvent, cap: number): OfferResult {
  if (sub.closed || compareCursor(ev.pos, sub.cursor) <= 0) return "skipped";
  if (!matchesFilter(sub.filter, ev) || !pushAllowed(sub, ev)) {
    sub.cursor = ev.pos;
    return "skipped";
  }
  const frame = frameFor(sub, ev);
  const buffered = sub.ws.bufferedAmount;
  if (buffered > 0 && buffered + frame.length > cap) return "overflow";
  sub.cursor = ev.pos;
  sub.ws.send(frame, { binary: false });
  return "sent";
}

/**
 * Sends an event during replay, pacing instead of cutting off: when the buffer is past `cap`
 * it first waits until what was queued has been written. Resolves false when the socket went
 * away meanwhile. `sent` is called when the frame was handed to the socket.
 */
export async function replay(sub: Subscriber, ev: StreamEvent, cap: number, sent?: () => void): Promise<boolean> {
  if (sub.closed) return false;
  if (compareCursor(ev.pos, sub.cursor) <= 0) return true;
  if (!matchesFilter(sub.filter, ev) || !pushAllowed(sub, ev)) {
    sub.cursor = ev.pos;
    return true;
  }
  const frame = frameFor(sub, ev);
  if (sub.lastWrite && sub.ws.bufferedAmount > 0 && sub.ws.bufferedAmount + frame.length > cap) {
    await Promise.race([sub.lastWrite, sub.gone]); // frames are written in order: all before it are out too
  }
  if (sub.closed) return false;
  sub.cursor = ev.pos;
  sub.lastWrite = new Promise<void>((resolve) => sub.ws.send(frame, { binary: false }, () => resolve()));
  sent?.();
  return true;
}
