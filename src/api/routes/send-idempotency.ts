/**
 * Send's `IdempotencyKey` (docs/api.md): the key is checked, the request is reduced to a hash
 * (every field but the key, map keys sorted, uploaded files by their SHA-256, and the login
 * address, which decides the default From and FromIDs), and a live stored answer is returned
 * for a repeat of the same request or refused (`idempotencyConflict`) for a different one.
 * The answer is stored by delivery inside the Send's transaction.
 */
import { createHash } from "node:crypto";
import type { DbOrTx } from "../../db/index.js";
import type { IdempotencyKeys } from "../../delivery/index.js";
import { ApiError } from "../errors.js";
import type { CallContext } from "../registry.js";
import type { SendRequest, SendResult } from "../types.js";

/** Longest key, in characters. */
export const maxIdempotencyKeyLength = 256;

/** The key of a Send and the hash of its request; null when no key is given. */
export type SendIdempotency = { key: string; hash: string };

/** Checks the key and hashes the request; null without a key. */
export function sendIdempotency(call: CallContext, req: SendRequest): SendIdempotency | null {
  const key = req.IdempotencyKey;
  if (key === "") return null;
  if ([...key].length > maxIdempotencyKeyLength) {
    throw new ApiError("badIdempotencyKey", `IdempotencyKey is longer than ${maxIdempotencyKeyLength} characters`);
  }
  if (/[\x00-\x1f\x7f]/.test(key)) throw new ApiError("badIdempotencyKey", "IdempotencyKey contains control characters");
  const files = call.files.map((f) => [f.field, f.filename, f.contentType, f.contentId, createHash("sha256").update(f.data).digest("hex")]);
  const canonical = canonicalJson({ request: { ...req, IdempotencyKey: "" }, files, login: call.loginAddress });
  return { key, hash: createHash("sha256").update(canonical).digest("hex") };
}

/**
 * The stored answer for a repeat of the same request, null when the key has none (or it
 * expired). @throws ApiError `idempotencyConflict` when the key answered a different request.
 */
export async function priorAnswer(keys: IdempotencyKeys, db: DbOrTx, accountId: number, idem: SendIdempotency, now: Date): Promise<SendResult | null> {
  const found = await keys.lookup(db, accountId, idem.key, now);
  if (!found) return null;
  if (found.requestHash !== idem.hash) {
    throw new ApiError("idempotencyConflict", `IdempotencyKey ${JSON.stringify(idem.key)} was used for a different request in the last 24 hours`);
  }
  return JSON.parse(found.response) as SendResult;
}

/** True for delivery's refusal to record a key answered meanwhile (a concurrent repeat). */
export function isIdempotentRepeat(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: unknown }).code === "idempotentRepeat";
}

// JSON with object keys sorted at every level (maps from requests keep the client's order).
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) => {
    if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Date) return value;
    const o = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  });
}
