// Scoped API keys: created (the key returned once), listed, revoked, and looked up by the key
// a client presents as `Authorization: Bearer`. Only a SHA-256 of the key is stored.
import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../db/index.js";

const { apiKeys } = schema;

/** What a key may do: `send` mail and change the queue, `read` mail and events, `push` app messages, `admin` keys and webhooks. */
export const API_KEY_SCOPES = ["send", "read", "push", "admin"] as const;
/** One of {@link API_KEY_SCOPES}. */
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** A key as listed (never with the key itself). */
export type ApiKeyInfo = { id: number; name: string; scopes: ApiKeyScope[]; prefix: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null };

const keyPrefix = "pwk_";

function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Creates a key; the returned `key` is the only time it is seen. */
export async function createApiKey(db: DbOrTx, accountId: number, name: string, scopes: readonly ApiKeyScope[]): Promise<ApiKeyInfo & { key: string }> {
  const key = keyPrefix + randomBytes(32).toString("base64url");
  const [row] = await db
    .insert(apiKeys)
    .values({ accountId, name, scopes: [...new Set(scopes)], keyHash: hashKey(key), prefix: key.slice(0, keyPrefix.length + 6) })
    .returning();
  return { ...info(row!), key };
}

/** The account's keys, oldest first, revoked ones included. */
export async function listApiKeys(db: DbOrTx, accountId: number): Promise<ApiKeyInfo[]> {
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.accountId, accountId)).orderBy(apiKeys.id);
  return rows.map(info);
}

/** Revokes one of the account's keys; false when it has no such key or it was revoked already. */
export async function revokeApiKey(db: DbOrTx, accountId: number, id: number): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

/** The live key a client presented (its account and scopes), or null; marks it used. */
export async function findApiKey(db: DbOrTx, key: string): Promise<{ id: number; accountId: number; scopes: ApiKeyScope[] } | null> {
  if (!key.startsWith(keyPrefix) || key.length > 100) return null;
  const [row] = await db
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(apiKeys.keyHash, hashKey(key)), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id, accountId: apiKeys.accountId, scopes: apiKeys.scopes });
  return row ? { id: row.id, accountId: row.accountId, scopes: row.scopes as ApiKeyScope[] } : null;
}

function info(r: typeof apiKeys.$inferSelect): ApiKeyInfo {
  return { id: r.id, name: r.name, scopes: r.scopes as ApiKeyScope[], prefix: r.prefix, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, revokedAt: r.revokedAt };
}
