import type { Clock } from "../clock/index.js";
import type { Database, DbOrTx } from "../db/index.js";
import type { EventLog } from "../events/index.js";
import { PushError } from "./errors.js";
import { globalAddress, pushPayload, recipientAddress } from "./payload.js";
import { findRecipients, insertPushGlobal, insertPushMessages, reserveIds, upsertRecipient } from "./queries.js";
import { checkRecipient, checkTopic, expiryOf, maxRecipients, messageText } from "./validate.js";

/** What the push writers need. */
export type PushDeps = { database: Database; eventLog: EventLog; clock: Clock };

/** A push to named recipients (PushMessage). */
export type PushRequest = { recipients: readonly string[]; message: unknown; topic: string; expiresAt: Date | null };

/** A push to every recipient of the account (PushGlobalMessage). */
export type GlobalPushRequest = { message: unknown; topic: string; expiresAt: Date | null };

/** Registers a recipient (idempotent); returns its id for the token that connects as it. */
export async function registerRecipient(db: DbOrTx, accountId: number, recipient: string): Promise<number> {
  return upsertRecipient(db, accountId, checkRecipient(recipient));
}

/**
 * Pushes one message to each recipient: per recipient a PENDING row and a `push` event in the
 * log, all in one transaction (an unknown recipient refuses the whole call, nothing is stored),
 * then readers are woken. Returns the PushIDs in request order.
 * @throws PushError user or recipientNotFound.
 */
export async function pushMessage(deps: PushDeps, accountId: number, req: PushRequest): Promise<{ recipient: string; pushId: number }[]> {
  if (!req.recipients.length) throw new PushError("user", "Recipients is empty");
  if (req.recipients.length > maxRecipients) throw new PushError("user", `at most ${maxRecipients} recipients per call`);
  const names = [...new Set(req.recipients.map(checkRecipient))];
  const topic = checkTopic(req.topic);
  const message = messageText(req.message);
  const now = new Date(deps.clock.now());
  const expiresAt = expiryOf(req.expiresAt, now);
  const out = await deps.database.db.transaction(async (tx) => {
    const ids = await findRecipients(tx, accountId, names);
    const missing = names.find((n) => !ids.has(n));
    if (missing !== undefined) throw new PushError("recipientNotFound", `recipient ${JSON.stringify(missing)} is not registered (PushRecipientRegister)`);
    const pushIds = await reserveIds(tx, "push_messages", names.length);
    const recipientIds = names.map((n) => ids.get(n)!);
    const payloads = pushIds.map((id) => pushPayload({ pushId: id, topic, message, createdAt: now, expiresAt }));
    // One statement for all the events (a call may name 1,000 recipients).
    const evs = await deps.eventLog.appendMany(tx, recipientIds.map((rid, i) => ({ accountId, kind: "push" as const, address: recipientAddress(rid), payload: payloads[i]! })));
    const rows = pushIds.map((id, i) => ({ id, accountId, recipientId: recipientIds[i]!, eventId: evs[i]!.id, topic, message, createdAt: now, expiresAt }));
    await insertPushMessages(tx, rows);
    return new Map(names.map((n, i) => [n, pushIds[i]!]));
  });
  deps.eventLog.committed(accountId);
  return req.recipients.map((r) => ({ recipient: r, pushId: out.get(r)! }));
}

/**
 * Pushes one message to every recipient of the account, present and future, until it expires:
 * one row and one `push` event; who got it is recorded per recipient when it is delivered.
 * @throws PushError user.
 */
export async function pushGlobalMessage(deps: PushDeps, accountId: number, req: GlobalPushRequest): Promise<number> {
  const topic = checkTopic(req.topic);
  const message = messageText(req.message);
  const now = new Date(deps.clock.now());
  const expiresAt = expiryOf(req.expiresAt, now);
  const id = await deps.database.db.transaction(async (tx) => {
    const [gid] = await reserveIds(tx, "push_globals", 1);
    const payload = pushPayload({ globalId: gid!, topic, message, createdAt: now, expiresAt });
    const ev = await deps.eventLog.append(tx, { accountId, kind: "push", address: globalAddress, payload });
    await insertPushGlobal(tx, { id: gid!, accountId, eventId: ev.id, topic, message, createdAt: now, expiresAt });
    return gid!;
  });
  deps.eventLog.committed(accountId);
  return id;
}
