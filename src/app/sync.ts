import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import { hashPassword, verifyPassword } from "../auth/index.js";
import type { Config } from "../config/index.js";
import { durationMs } from "../config/index.js";
import type { Db } from "../db/index.js";
import { ensureAccount, ensureDomain, getAccountByName } from "../store/index.js";
import { type Webhooks } from "../webhooks/index.js";
import { configWebhookSecrets, writeGeneratedSecrets } from "./webhook-secrets.js";

/**
 * Creates or updates the domains and accounts declared in the config file. Passwords come from
 * files (never from the config itself) and are stored only as hashes. The one rule for
 * passwords: an account with a `passwordFile` gets that file's password at every start (its
 * source is `config`; `account passwd` refuses it); any other account keeps the password
 * `account add`/`account passwd` set (source `command`), which serve never changes.
 */
export async function syncConfigAccounts(db: Db, config: Config, webhooks: Pick<Webhooks, "syncConfig">, log: Logger): Promise<void> {
  const hashes = new Map<string, string>();
  for (const a of config.accounts) {
    if (!a.passwordFile) continue;
    const password = readPasswordFile(a.name, a.passwordFile);
    const cur = await getAccountByName(db, a.name);
    if (cur?.passwordHash && (await verifyPassword(password, cur.passwordHash))) continue; // unchanged
    hashes.set(a.name, await hashPassword(password));
    if (cur?.passwordHash) {
      const by = cur.passwordSource === "command" ? "a password set by `postwire account`" : "the previous passwordFile password";
      log.warn({ account: a.name, passwordFile: a.passwordFile }, `account password set from passwordFile, replacing ${by}`);
    }
  }
  const secrets = new Map<string, string[] | undefined>();
  await db.transaction(async (tx) => {
    for (const d of config.domains) await ensureDomain(tx, d);
    for (const a of config.accounts) {
      const acc = await ensureAccount(tx, {
        name: a.name,
        fullName: a.fullName,
        passwordHash: hashes.get(a.name),
        passwordSource: a.passwordFile ? "config" : "command",
        addresses: a.addresses,
        settings: {
          fromIdLoginAddresses: a.fromIdLoginAddresses.map((x) => x.toLowerCase()),
          keepRetiredMessageMs: durationMs(a.keepRetiredMessagePeriod),
          keepRetiredWebhookMs: durationMs(a.keepRetiredWebhookPeriod),
          maxOutgoingMessagesPerDay: a.maxOutgoingMessagesPerDay,
          maxFirstTimeRecipientsPerDay: a.maxFirstTimeRecipientsPerDay,
          categories: a.categories,
        },
      });
      const given = a.webhookSecretFile ? configWebhookSecrets(a.webhookSecretFile) : undefined;
      const view = await webhooks.syncConfig(tx, acc.id, { incoming: a.incomingWebhook ?? null, outgoing: a.outgoingWebhook ?? null, secrets: given?.secrets });
      if (given?.write) secrets.set(a.webhookSecretFile, view.secrets);
    }
  });
  for (const [file, s] of secrets) writeGeneratedSecrets(file, s ?? [], log);
}

/** Reads a passwordFile; the error names the account and the file (checked at load, so only a race). */
function readPasswordFile(account: string, file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch (err) {
    throw new Error(`reading the passwordFile ${file} of account ${account}: ${(err as Error).message}`, { cause: err });
  }
}
