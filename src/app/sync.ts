import { readFileSync } from "node:fs";
import { hashPassword } from "../auth/index.js";
import type { Config } from "../config/index.js";
import { durationMs } from "../config/index.js";
import type { Db } from "../db/index.js";
import { ensureAccount, ensureDomain } from "../store/index.js";
import { readSecretFile, type Webhooks } from "../webhooks/index.js";

/**
 * Creates or updates the domains and accounts declared in the config file. Passwords come from
 * files (never from the config itself) and are stored only as hashes.
 */
export async function syncConfigAccounts(db: Db, config: Config, webhooks: Pick<Webhooks, "syncConfig">): Promise<void> {
  const hashes = new Map<string, string>();
  for (const a of config.accounts) {
    if (a.passwordFile) hashes.set(a.name, await hashPassword(readFileSync(a.passwordFile, "utf8").trim()));
  }
  await db.transaction(async (tx) => {
    for (const d of config.domains) await ensureDomain(tx, d);
    for (const a of config.accounts) {
      const acc = await ensureAccount(tx, {
        name: a.name,
        fullName: a.fullName,
        passwordHash: hashes.get(a.name),
        addresses: a.addresses,
        settings: {
          fromIdLoginAddresses: a.fromIdLoginAddresses.map((x) => x.toLowerCase()),
          keepRetiredMessageMs: durationMs(a.keepRetiredMessagePeriod),
          keepRetiredWebhookMs: durationMs(a.keepRetiredWebhookPeriod),
          maxOutgoingMessagesPerDay: a.maxOutgoingMessagesPerDay,
          maxFirstTimeRecipientsPerDay: a.maxFirstTimeRecipientsPerDay,
        },
      });
      await webhooks.syncConfig(tx, acc.id, {
        incoming: a.incomingWebhook ?? null,
        outgoing: a.outgoingWebhook ?? null,
        secrets: a.webhookSecretFile ? readSecretFile(a.webhookSecretFile) : undefined,
      });
    }
  });
}
