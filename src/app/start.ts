import type { Logger } from "pino";
import { createApi, eventRoutes, pushRoutes, webhookRoutes } from "../api/index.js";

import { createAuthLimiter } from "../auth/index.js";
import { systemClock, type Clock } from "../clock/index.js";
import { durationMs, type Config } from "../config/index.js";
import { openDatabase, type Database } from "../db/index.js";
import { createDelivery, releaseMessage, type Delivery, type Target } from "../delivery/index.js";
import { createNodeResolver, type Resolver } from "../dns/index.js";
import { createEventLog, type EventLog } from "../events/index.js";
import { startListener, type FailureCheck, type InboundDeps, type RecipientResolver, type TlsMaterial } from "../inbound/index.js";
import { verifyIncoming, type TxtRecord } from "../mail-auth/index.js";
import { parseMessage } from "../message/index.js";
import type { Metrics } from "../metrics/index.js";
import { createWebhooks, type Webhooks } from "../webhooks/index.js";
import { createUi } from "../ui/index.js";
import { createEventMethods, createEventStream, createEventToken, createPushMethods } from "../websocket/index.js";
import { configuredTarget } from "./delivery-target.js";
import { createDkimProvider, importDataDirDkimKeys } from "./dkim.js";
import { routeHttp, startHttp } from "./http.js";
import { appMetrics, metricsToken, observeDatabase, readiness, reportingLimiter } from "./observe.js";
import { createOpsHandler, startOpsListener } from "./ops.js";
import { loadTls } from "./tls.js";
import { storeRecipientResolver } from "./recipients.js";
import { syncConfigAccounts } from "./sync.js";
import { uiSessionKey } from "./ui-key.js";

/** Postwire's version (User-Agent, index page); the same as package.json's (test/e2e/cli.test.ts checks). */
export const version = "0.1.0";

/** Replacements that localserve and tests inject instead of the production parts. */
export type AppOverrides = {
  clock?: Clock;
  /** Recipient lookup (localserve: catch-all into one account). */
  resolveRecipient?: (database: Database) => RecipientResolver;
  /** Scripted SMTP failures (localserve). */
  simulate?: FailureCheck;
  /** TLS material for every SMTP listener instead of the configured files (localserve: its self-signed certificate). */
  tls?: () => TlsMaterial | null;
  /** DNS for SPF/DKIM/DMARC and MX lookups (tests and localserve: a static fake). */
  resolver?: Resolver;
  /** Domains whose SPF and DKIM are made to pass for loopback connections (localserve). */
  trustedLoopbackDomains?: string[];
  /** Our own DKIM records, served under the loopback-trust policy (localserve). */
  trustedDkimRecords?: TxtRecord[];
  /** Where outgoing mail goes instead of the recipient domain's MX (localserve: itself). */
  deliveryTarget?: (ports: RunningApp["ports"]) => (domain: string) => Promise<Target[]>;
  /** Webhook destinations on loopback and private networks are allowed (localserve). */
  webhooksAllowLoopback?: boolean;
  /** Runs after migrations, before listeners start (localserve creates its account here). */
  prepare?: (database: Database, m: { webhooks: Webhooks }) => Promise<void>;
  /** The account the web interface shows without a login to loopback clients (localserve). */
  uiOpenAccount?: () => number;
};

/** A running Postwire process. */
export type RunningApp = {
  database: Database;
  eventLog: EventLog;
  delivery: Delivery;
  webhooks: Webhooks;
  /** Bound ports; `ops` is the separate listener of /metrics, /healthz and /readyz (config `metrics.listener`). */
  ports: { smtp: number | null; submission: number | null; submissions: number | null; http: number | null; ops: number | null };
  metrics: Metrics;
  /** Re-reads the TLS certificate and key for new SMTP sessions (SIGHUP); open sessions continue. */
  reloadTls(): void;
  /**
   * Stops in two phases: first the listeners stop accepting and the queue runners claim no more,
   * all at once, while work under way may finish for `graceMs` (default config `shutdownGrace`);
   * then what still runs is cut short and handed back, and the event log and database close.
   */
  stop(o?: { graceMs?: number }): Promise<void>;
  /** The configured grace period of `stop` (config `shutdownGrace`) in ms. */
  shutdownGraceMs: number;
};

/**
 * The composition root: opens storage, builds every module from config, starts them in
 * dependency order and stops them in reverse.
 */
export async function startApp(config: Config, log: Logger, o: AppOverrides = {}): Promise<RunningApp> {
  const clock = o.clock ?? systemClock;
  // `front`: what accepts or claims work, stopped together first; `back`: what they use, after.
  const stops: { front: boolean; stop: (deadline: number) => Promise<void> }[] = [];
  let listening = false; // readiness: listeners bound and not stopping
  const failed = (err: unknown) => log.warn({ err }, "stop failed");
  const stopAll = async ({ graceMs = durationMs(config.shutdownGrace) }: { graceMs?: number } = {}) => {
    listening = false;
    const deadline = performance.now() + graceMs;
    await Promise.all(stops.filter((s) => s.front).map((s) => s.stop(deadline).catch(failed)));
    for (const s of stops.filter((x) => !x.front).reverse()) await s.stop(deadline).catch(failed);
  };
  const front = (stop: (deadline: number) => Promise<void>) => stops.push({ front: true, stop });
  const back = (stop: () => Promise<void>) => stops.push({ front: false, stop });
  // Certificates are read (and a listener needing one without it refused) before anything opens.
  const tlsFiles = o.tls ? null : loadTls(config);
  try {
    const metrics = appMetrics(config);
    const token = metricsToken(config);
    const database = await openDatabase({
      url: process.env.DATABASE_URL || config.database.url,
      dataDir: config.dataDir,
      poolSize: config.database.poolSize,
      log,
    });
    back(() => database.close());
    observeDatabase(metrics, database, config.database.poolSize);
    const eventLog = await createEventLog({ database, log: log.child({ module: "events" }) });
    back(() => eventLog.close());
    const webhooks = createWebhooks({
      database,
      log,
      metrics,
      clock,
      eventLog,
      version,
      config: {
        concurrencyPerUrl: config.webhooks.concurrencyPerUrl,
        concurrency: config.webhooks.concurrency,
        timeoutMs: durationMs(config.webhooks.timeout),
        allowHosts: config.webhooks.allowHosts,
        allowLoopback: o.webhooksAllowLoopback ?? false,
        timeScale: config.queue.timeScale,
        lockTimeoutMs: durationMs(config.queue.lockTimeout),
      },
    });
    // The transactional outbox: webhook rows are written in the transaction that appends the event.
    eventLog.setAppendHook(webhooks.appendHook);
    await syncConfigAccounts(database.db, config, webhooks, log);
    await o.prepare?.(database, { webhooks });
    await importDataDirDkimKeys(database, config.dataDir, log.child({ module: "dkim" }));
    const dkim = await createDkimProvider({ database, log: log.child({ module: "dkim" }) });
    back(() => dkim.close());
    const limiter = createAuthLimiter(clock, config.authLimits);
    const resolver = o.resolver ?? createNodeResolver();
    const ports: RunningApp["ports"] = { smtp: null, submission: null, submissions: null, http: null, ops: null };
    const ops = createOpsHandler({ metrics, token, readiness: readiness(database, () => listening) });

    const delivery = createDelivery({
      database,
      log,
      metrics,
      clock,
      eventLog,
      resolver,
      hostname: config.hostname,
      publicUrl: config.http.publicUrl,
      timeScale: config.queue.timeScale,
      concurrency: config.queue.concurrency,
      // localserve's and tests' override first, then the configured smarthost, else the MX.
      target: o.deliveryTarget?.(ports) ?? configuredTarget(config, database.db, ports),
      dkim: dkim.key,
    });

    const inboundDeps = buildInboundDeps(config, log, { database, clock, eventLog, limiter: reportingLimiter(limiter, "smtp", log, metrics), resolver, delivery, metrics }, o);
    const smtpListeners: { reloadTls(): void }[] = [];
    const listeners = [
      ["smtp", "mx", config.smtp.mx],
      ["submission", "submission", config.smtp.submission],
      ["submissions", "submissions", config.smtp.submissions],
    ] as const;
    for (const [name, kind, l] of listeners) {
      if (!l.enabled) continue;
      const s = await startListener(inboundDeps, {
        kind,
        host: l.host,
        port: l.port,
        tls: o.tls ?? tlsFiles!.forListener(kind),
        allowInsecureAuth: kind === "submission" && config.smtp.submission.allowInsecureAuth,
      });
      front((deadline) => s.close({ deadline }));
      smtpListeners.push(s);
      ports[name] = s.port;
    }

    if (config.http.enabled) {
      const publicUrl = () => config.http.publicUrl || listenerUrl(config.http.host, ports.http, config.hostname);
      const stream = createEventStream({ database, eventLog, log: log.child({ module: "websocket" }), clock, limiter: reportingLimiter(limiter, "events", log, metrics), limits: config.http.events });
      metrics.setSources({ streamSubscribers: () => stream.stats().connections });
      const api = createApi({
        database,
        log,
        clock,
        eventLog,
        delivery,
        limiter: reportingLimiter(limiter, "webapi", log, metrics),
        hostname: config.hostname,
        maxRequestSize: config.http.maxRequestSize,
        maxMessageSize: config.smtp.maxMessageSize,
        version,
        messageWebhooks: webhooks.methods.forMessage,
        methods: [
          ...eventRoutes(createEventMethods({ database, eventLog, clock }), { publicUrl }),
          ...pushRoutes(createPushMethods({ database, eventLog, clock }), { publicUrl }),
          ...webhookRoutes(webhooks.methods),
        ],
      });
      const ui = config.ui.enabled
        ? createUi({
            database,
            log,
            clock,
            limiter: reportingLimiter(limiter, "ui", log, metrics),
            version,
            sessionKey: await uiSessionKey(database, config.dataDir),
            sessionLifetimeMs: durationMs(config.ui.sessionLifetime),
            openAccount: o.uiOpenAccount,
            queue: delivery.admin,
            release: config.ui.release ? releaser(config.ui.release, config.hostname) : undefined,
            webhooks: webhooks.methods,
            mintEventToken: async (accountId, origin, sourceIp) =>
              (await createEventToken({ db: database.db, clock }, accountId, { addresses: [], kinds: [], origin, sourceIp, validSeconds: 3600 })).token,
          })
        : null;
      const http = await startHttp({ app: routeHttp(api, ui), stream, host: config.http.host, port: config.http.port, ops: config.metrics.listener.enabled ? undefined : ops });
      front((deadline) => http.close({ deadline }));
      ports.http = http.port;
    }
    if (config.metrics.listener.enabled) {
      const l = await startOpsListener(ops, config.metrics.listener.host, config.metrics.listener.port);
      // Kept until the end: health checks are answered (not ready) while work drains.
      back(() => l.close());
      ports.ops = l.port;
    }

    await delivery.start();
    front((deadline) => delivery.stop({ deadline }));
    await webhooks.start();
    front((deadline) => webhooks.stop({ deadline }));
    const reloadTls = () => {
      try {
        tlsFiles?.reload();
        for (const l of smtpListeners) l.reloadTls();
        log.info("tls certificate reloaded");
      } catch (err) {
        log.error({ err }, "tls reload failed, keeping the previous certificate");
      }
    };
    // Warm the parser once everything listens: mailparser is imported on first use (a small
    // message is parsed on this thread), so the first message does not pay for loading it and
    // start-up does not wait for it either.
    void parseMessage(Buffer.from("Subject: warm-up\r\n\r\n"));
    listening = true;
    return { database, eventLog, delivery, webhooks, ports, metrics, reloadTls, stop: stopAll, shutdownGraceMs: durationMs(config.shutdownGrace) };
  } catch (err) {
    await stopAll({ graceMs: 0 });
    throw err;
  }
}

// The HTTP listener's own address (ConnectionURIs without http.publicUrl; localserve's case).
function listenerUrl(host: string, port: number | null, hostname: string): string | undefined {
  if (port === null) return undefined;
  const h = host === "0.0.0.0" || host === "::" || host === "" ? hostname : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}`;
}

function buildInboundDeps(
  config: Config,
  log: Logger,
  m: { database: Database; clock: Clock; eventLog: EventLog; limiter: ReturnType<typeof createAuthLimiter>; resolver: Resolver; delivery: Delivery; metrics: Metrics },
  o: AppOverrides,
): InboundDeps {
  return {
    database: m.database,
    log: log.child({ module: "inbound" }),
    metrics: m.metrics,
    clock: m.clock,
    eventLog: m.eventLog,
    limiter: m.limiter,
    hostname: config.hostname,
    limits: {
      maxMessageSize: config.smtp.maxMessageSize,
      maxRecipients: config.smtp.maxRecipients,
      maxConnectionsPerIp: config.smtp.maxConnectionsPerIp,
      maxConnections: config.smtp.maxConnections,
      commandTimeoutMs: durationMs(config.smtp.commandTimeout),
      sessionTimeoutMs: durationMs(config.smtp.sessionTimeout),
      commitTimeoutMs: durationMs(config.smtp.commitTimeout),
      greetPauseMs: durationMs(config.smtp.greetPause),
    },
    resolveRecipient: (o.resolveRecipient ?? ((d) => storeRecipientResolver(d.db)))(m.database),
    simulate: o.simulate,
    verify: (msg) =>
      verifyIncoming({
        ...msg,
        resolver: m.resolver,
        hostname: config.hostname,
        trustedDomainsFromLoopback: o.trustedLoopbackDomains,
        trustedDkimRecords: o.trustedDkimRecords,
        log: log.child({ module: "mail-auth" }),
      }),
    matchIncoming: (tx, msg) => m.delivery.handleIncoming(tx, msg),
    submit: (tx, s) => m.delivery.submit(tx, s),
    submitted: () => m.delivery.wake(),
  };
}

// The web interface's Release: `host:port` ([ipv6]:port) from ui.release.
function releaser(hostPort: string, hostname: string) {
  const i = hostPort.lastIndexOf(":");
  const host = hostPort.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  const port = Number(hostPort.slice(i + 1));
  return (m: { raw: Buffer; mailFrom: string; to: string }) => releaseMessage({ host, port }, { ehlo: hostname, ...m });
}
