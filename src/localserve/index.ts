/**
 * Dev mode with nothing to configure, mox localserve's defaults: loopback listeners on 1025,
 * 1587, 1465 and 1080, account mox@localhost / moxmoxmox receiving every recipient of every
 * domain, a self-signed certificate made on first run, scripted delivery failures, and a time
 * scale for retry waits. It only injects replacements into app/; it has no branches elsewhere.
 */
import { mkdirSync } from "node:fs";
import type { Logger } from "pino";
import { startApp, type RunningApp } from "../app/index.js";
import type { TxtRecord } from "../mail-auth/index.js";
import type { WebhookConfigView } from "../webhooks/index.js";
import { createStaticResolver } from "../dns/index.js";
import { createFailureSimulator } from "./failures.js";
import { catchAllResolver, ensureLocalAccount } from "./account.js";
import { ensureLocalCert } from "./cert.js";
import { ensureLocalDkim } from "./dkim.js";
import { localserveConfig, type LocalserveFlags } from "./options.js";

export { localserveDefaults, localserveConfig, type LocalserveFlags } from "./options.js";
export { banner } from "./banner.js";
export { localAccount } from "./account.js";

/** Starts localserve with the given flags. */
export async function startLocalserve(flags: LocalserveFlags, log: Logger): Promise<RunningApp & { webhookConfig: WebhookConfigView | null }> {
  const config = localserveConfig(flags);
  mkdirSync(config.dataDir, { recursive: true });
  // On a first run the certificate is made while the database opens; it is needed only once
  // the listeners start, after `prepare`. The DKIM key lives in the database (made there once).
  const certificate = ensureLocalCert(config.dataDir);
  certificate.catch(() => {}); // awaited in prepare; a failure there fails the start
  let tls: { key: string; cert: string } | null = null;
  const trustedDkimRecords: TxtRecord[] = [];
  let accountId = 0;
  let hooks: WebhookConfigView | null = null;
  const app = await startApp(config, log, {
    tls: () => tls,
    // No DNS: nothing in localserve may reach the internet. Hosted mail from loopback passes.
    resolver: createStaticResolver({}),
    trustedLoopbackDomains: ["localhost"],
    trustedDkimRecords,
    webhooksAllowLoopback: true,
    prepare: async (database, { webhooks }) => {
      const [cert, dkimRecord] = await Promise.all([certificate, ensureLocalDkim(database)]);
      tls = cert;
      trustedDkimRecords.push(dkimRecord);
      accountId = await ensureLocalAccount(database);
      hooks = await database.db.transaction((tx) =>
        webhooks.syncConfig(tx, accountId, {
          incoming: flags.incomingWebhook ? { url: flags.incomingWebhook } : undefined,
          outgoing: flags.outgoingWebhook ? { url: flags.outgoingWebhook } : undefined,
          secrets: flags.webhookSecret ? [flags.webhookSecret] : undefined,
        }),
      );
    },
    resolveRecipient: () => catchAllResolver(() => accountId),
    // The web interface opens on the catch-all account for loopback clients, as mox localserve's.
    uiOpenAccount: () => accountId,
    simulate: createFailureSimulator().check,
    // Every outgoing message, whatever its destination, is delivered back to our own MX, whose
    // certificate the delivery trusts: RequireTLS (verified TLS, REQUIRETLS) works as in mox.
    deliveryTarget: (ports) => async () => [{ host: "127.0.0.1", port: ports.smtp ?? flags.smtpPort, ...(tls ? { ca: tls.cert } : {}) }],
  });
  return { ...app, webhookConfig: hooks };
}
