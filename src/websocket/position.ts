import type { Cursor } from "../events/index.js";

/** Orders two log positions: negative when a comes first, 0 when equal. */
export function compareCursor(a: Cursor, b: Cursor): number {
  if (a.txId !== b.txId) return a.txId < b.txId ? -1 : 1;
  return a.id - b.id;
}

/** The later of two positions. */
export function laterCursor(a: Cursor, b: Cursor): Cursor {
  return compareCursor(a, b) >= 0 ? a : b;
}

/** A database snapshot's horizon: every transaction below xmin has ended; xmax is the next id. */
export type Snapshot = { xmin: bigint; xmax: bigint };

/**
 * The position just past every event of a transaction that had ended when the snapshot was
 * taken. A read that started after the snapshot returned all of those, so a reader that saw a
 * short page is served through here; anything appended later sorts after it (its transaction id
 * is at least xmin). Used as the start of a stream without `since`.
 */
export function snapshotTail(s: Snapshot): Cursor {
  return { txId: s.xmin - 1n, id: Number.MAX_SAFE_INTEGER };
}
