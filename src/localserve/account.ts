import { hashPassword } from "../auth/index.js";
import type { Database } from "../db/index.js";
import type { RecipientResolver } from "../inbound/index.js";
import { ensureAccount, ensureDomain, getAccountByName, setPasswordHash } from "../store/index.js";

/** mox localserve's account, address and password. */
export const localAccount = { name: "mox", address: "mox@localhost", password: "moxmoxmox" } as const;

/**
 * Creates the catch-all account on first run (domain localhost with `+` as catchall separator;
 * retired messages and webhooks kept 72 h as in mox localserve). Returns its id.
 */
export async function ensureLocalAccount(database: Database): Promise<number> {
  const existing = await getAccountByName(database.db, localAccount.name);
  const hash = existing?.passwordHash ? null : await hashPassword(localAccount.password);
  return database.db.transaction(async (tx) => {
    await ensureDomain(tx, { name: "localhost", catchallSeparator: "+" });
    const acc = await ensureAccount(tx, {
      name: localAccount.name,
      fullName: "", // mox localserve's account has no full name: a Send without From has an empty display name
      addresses: [localAccount.address],
      settings: { keepRetiredMessageMs: 72 * 3_600_000, keepRetiredWebhookMs: 72 * 3_600_000, categories: ["*"] },
    });
    if (hash) await setPasswordHash(tx, acc.id, hash);
    return acc.id;
  });
}

/** Every recipient of every domain goes to the local account (mox localserve behaviour). */
export function catchAllResolver(accountId: () => number): RecipientResolver {
  return async (address) => ({ accountId: accountId(), address: localAccount.address, rcptTo: address.toLowerCase() });
}
