import { EventCursorError } from "./errors.js";

/** A position in the event log: after the event with this (txId, id). */
export type Cursor = { txId: bigint; id: number };

/** The position before every event. */
export const startCursor: Cursor = { txId: 0n, id: 0 };

/** Encodes a cursor as an opaque URL-safe string. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.txId}.${c.id}`).toString("base64url");
}

/** Decodes a cursor string; "" or "0" means the start. Throws EventCursorError when malformed. */
export function decodeCursor(s: string): Cursor {
  if (s === "" || s === "0") return startCursor;
  const m = /^(\d{1,20})\.(\d{1,16})$/.exec(Buffer.from(s, "base64url").toString());
  if (!m) throw new EventCursorError(`invalid cursor ${JSON.stringify(s.slice(0, 40))}`);
  return { txId: BigInt(m[1]!), id: Number(m[2]) };
}
