import type { Logger } from "pino";
import { createAuthLimiter } from "../auth/index.js";
import { systemClock, type Clock } from "../clock/index.js";
import { durationMs, type Config } from "../config/index.js";
import { openDatabase, type Database } from "../db/index.js";
import { createEventLog, type EventLog } from "../events/index.js";
import { createNodeResolver, type Resolver } from "../dns/index.js";
import { verifyIncoming } from "../mail-auth/index.js";
import { startListener, type FailureCheck, type InboundDeps, type RecipientResolver, type SmtpListener } from "../inbound/index.js";
import { storeRecipientResolver } from "./recipients.js";
import { syncConfigAccounts } from "./sync.js";

/** Replacements that localserve and tests inject instead of the production parts. */
export type AppOverrides = {
  clock?: Clock;
  /** Recipient lookup (localserve: catch-all into one account). */
  resolveRecipient?: (database: Database) => RecipientResolver;
  /** Scripted SMTP failures (localserve). */
  simulate?: FailureCheck;
  /** TLS material for the SMTP listeners. */
  tls?: () => { key: string; cert: string } | null;
  /** DNS for SPF/DKIM/DMARC and MX lookups (tests and localserve: a static fake). */
  resolver?: Resolver;
  /** Domains whose SPF and DKIM are made to pass for loopback connections (localserve). */
  trustedLoopbackDomains?: string[];
  /** Runs after migrations, before listeners start (localserve creates its account here). */
  prepare?: (database: Database) => Promise<void>;
};

/** A running Postwire process. */
export type RunningApp = {
  database: Database;
  eventLog: EventLog;
  ports: { smtp: number | null; submission: number | null; submissions: number | null; http: number | null };
  stop(): Promise<void>;
};

/**
 * The composition root: opens storage, builds every module from config, starts them in
 * dependency order and stops them in reverse.
 */
export async function startApp(config: Config, log: Logger, o: AppOverrides = {}): Promise<RunningApp> {
  const clock = o.clock ?? systemClock;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => log.warn({ err }, "stop failed"));
  };
  try {
    const database = await openDatabase({
      url: process.env.DATABASE_URL || config.database.url,
      dataDir: config.dataDir,
      poolSize: config.database.poolSize,
      log,
    });
    stops.push(() => database.close());
    await syncConfigAccounts(database.db, config);
    await o.prepare?.(database);
    const eventLog = await createEventLog({ database, log: log.child({ module: "events" }) });
    stops.push(() => eventLog.close());
    const limiter = createAuthLimiter(clock);
    const resolver = o.resolver ?? createNodeResolver();

    const inboundDeps: InboundDeps = {
      database,
      log: log.child({ module: "inbound" }),
      clock,
      eventLog,
      limiter,
      hostname: config.hostname,
      limits: {
        maxMessageSize: config.smtp.maxMessageSize,
        maxRecipients: config.smtp.maxRecipients,
        maxConnectionsPerIp: config.smtp.maxConnectionsPerIp,
        maxConnections: config.smtp.maxConnections,
        commandTimeoutMs: durationMs(config.smtp.commandTimeout),
        sessionTimeoutMs: durationMs(config.smtp.sessionTimeout),
      },
      tls: o.tls ?? (() => null),
      allowInsecureAuth: config.smtp.allowInsecureAuth,
      resolveRecipient: (o.resolveRecipient ?? ((d) => storeRecipientResolver(d.db)))(database),
      simulate: o.simulate,
      verify: (m) =>
        verifyIncoming({
          ...m,
          resolver,
          hostname: config.hostname,
          trustedDomainsFromLoopback: o.trustedLoopbackDomains,
          log: log.child({ module: "mail-auth" }),
        }),
    };
    const ports: RunningApp["ports"] = { smtp: null, submission: null, submissions: null, http: null };
    const listeners: [keyof RunningApp["ports"], "mx" | "submission" | "submissions", Config["smtp"]["mx"]][] = [
      ["smtp", "mx", config.smtp.mx],
      ["submission", "submission", config.smtp.submission],
      ["submissions", "submissions", config.smtp.submissions],
    ];
    for (const [name, kind, l] of listeners) {
      if (!l.enabled) continue;
      const s: SmtpListener = await startListener(inboundDeps, kind, l.host, l.port);
      stops.push(() => s.close());
      ports[name] = s.port;
    }
    return { database, eventLog, ports, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
