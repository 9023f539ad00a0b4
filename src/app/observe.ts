import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import type { AuthLimiter } from "../auth/index.js";
import type { Config } from "../config/index.js";
import { checkDatabase, connectionStats, observeCommits, type Database } from "../db/index.js";
import { createMetrics, disabledMetrics, type Metrics } from "../metrics/index.js";
import { deliveryJobKind } from "../delivery/index.js";
import { jobStats } from "../queue/index.js";
import { webhookJobKind } from "../webhooks/index.js";
import type { Readiness } from "./ops.js";

/**
 * The limiter a listener gets, reporting each failed login: the `auth failed` line (protocol,
 * client IP, and the account id or, for an unknown login, the name given; never a password)
 * and `postwire_auth_failures_total`. Every protocol records failures through the shared
 * limiter, so this one wrapper covers SMTP AUTH, the webapi, the event stream and the web interface.
 */
export function reportingLimiter(limiter: AuthLimiter, protocol: "smtp" | "webapi" | "events" | "ui", log: Logger, metrics: Metrics): AuthLimiter {
  return {
    ...limiter,
    failed(ip, account) {
      limiter.failed(ip, account);
      metrics.authFailure(protocol);
      log.info({ protocol, remoteIp: ip, ...loginFields(account) }, "auth failed");
    },
  };
}

/** The limiter's account key (auth/ accountKey) as log fields. */
function loginFields(key: string | undefined): { accountId?: number; login?: string } {
  if (!key) return {};
  if (key.startsWith("account:")) return { accountId: Number(key.slice(8)) };
  return { login: key.startsWith("login:") ? key.slice(6) : key };
}

/** The app's metrics per config: a registry of its own, or the disabled no-op. */
export function appMetrics(config: Config): Metrics {
  return config.metrics.enabled ? createMetrics() : disabledMetrics;
}

/** Wires the database-side sources: commit timings, queue depth and connections at scrape. */
export function observeDatabase(metrics: Metrics, database: Database, poolSize: number): void {
  if (!metrics.enabled) return;
  observeCommits(database.db, (s, n, ok) => metrics.commit(s, n, ok));
  metrics.setSources({
    queue: () => jobStats(database.db),
    queueKinds: [deliveryJobKind, webhookJobKind],
    dbConnections: () => connectionStats(database),
    dbPoolMax: database.kind === "postgres" ? poolSize : 1,
  });
}

/** The bearer token of /metrics (config `metrics.tokenFile`), or "" for none. */
export function metricsToken(config: Config): string {
  const file = config.metrics.tokenFile;
  if (!file) return "";
  try {
    const token = readFileSync(file, "utf8").trim();
    if (!token) throw new Error("the file is empty");
    return token;
  } catch (err) {
    throw new Error(`metrics.tokenFile: cannot read a token from ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * Readiness: the database answers (within 2 s) with current migrations, and the app has bound
 * its listeners and not begun to stop (`listening()`).
 */
export function readiness(database: Database, listening: () => boolean): () => Promise<Readiness> {
  return async () => {
    const db = await checkDatabase(database);
    const checks = { database: db.reachable, migrations: db.migrationsCurrent, listeners: listening() };
    return { ready: checks.database && checks.migrations && checks.listeners, checks, ...(db.error ? { error: db.error } : {}) };
  };
}
