import { formatGoTime } from "../events/index.js";

/** The frame payload of a push: `{PushID|GlobalID, Topic, Message, CreatedAt, ExpiresAt}`, Message verbatim. */
export function pushPayload(p: { pushId?: number; globalId?: number; topic: string; message: string; createdAt: Date; expiresAt: Date }): string {
  const id = p.globalId !== undefined ? `"GlobalID":${p.globalId}` : `"PushID":${p.pushId ?? 0}`;
  return `{${id},"Topic":${JSON.stringify(p.topic)},"Message":${p.message},"CreatedAt":"${formatGoTime(p.createdAt)}","ExpiresAt":"${formatGoTime(p.expiresAt)}"}`;
}

/** What a push event's frame carries that the stream filters on, read back from its payload. */
export type PushRef = { pushId: number | null; globalId: number | null; topic: string };

/** Reads the ids and topic of a push payload (the event's address names the recipient). */
export function parsePushPayload(payload: string): PushRef {
  const v = JSON.parse(payload) as { PushID?: number; GlobalID?: number; Topic?: string };
  return { pushId: v.PushID ?? null, globalId: v.GlobalID ?? null, topic: v.Topic ?? "" };
}

/** The event-log address of a push to one recipient; a global push uses {@link globalAddress}. */
export function recipientAddress(recipientId: number): string {
  return `push:${recipientId}`;
}

/** The event-log address of a global push. */
export const globalAddress = "push:*";
