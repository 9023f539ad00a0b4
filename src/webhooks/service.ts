// The webhooks service: wires the SSRF guard, the poster, the admission, the outbox hook, the
// queue runner for kind "webhook", the cleanup loop and the webapi operations.
import type { Metrics } from "../metrics/index.js";
import type { Logger } from "pino";
import type { Clock } from "../clock/index.js";
import type { Database, Tx } from "../db/index.js";
import type { AppendHook, EventLog } from "../events/index.js";
import { defaultLeaseMs, startRunner, type Runner } from "../queue/index.js";
import { createAdmission } from "./admission.js";
import { startCleanup, type Cleanup } from "./cleanup.js";
import { syncConfig, type WebhookConfigInput, type WebhookConfigView } from "./config.js";
import { DestinationRefusedError, InvalidWebhookUrlError } from "./errors.js";
import { createWebhookHandler } from "./handler.js";
import { createWebhookMethods, type WebhookMethods } from "./methods.js";
import { createAppendHook, webhookJobKind } from "./outbox.js";
import { createWebhookPoster } from "./post.js";
import { keepPeriod, removeExpired } from "./queries.js";
import { createDestinationGuard, type ResolveHost } from "./ssrf.js";

/** Settings of {@link createWebhooks} (config `webhooks.*` plus what localserve changes). */
export type WebhooksConfig = {
  /** POSTs in flight per URL (default config 4). */
  concurrencyPerUrl: number;
  /** Webhook jobs in flight per process (default config 64). */
  concurrency: number;
  /** Deadline of one POST in ms (default config 30 s). */
  timeoutMs: number;
  /** `host[:port]` destinations allowed even when internal (config `webhooks.allowHosts`). */
  allowHosts: readonly string[];
  /** Allow loopback destinations (localserve); serve mode refuses them. */
  allowLoopback: boolean;
  /** Divides every retry wait and the cleanup period (`--time-scale`). */
  timeScale: number;
  /** Lease of a claimed job, renewed while it runs (config `queue.lockTimeout`); default 15 s. */
  lockTimeoutMs?: number;
  /** Fallback poll of the queue in ms; default 2000. */
  pollMs?: number;
};

/** Dependencies of {@link createWebhooks}. */
export type WebhooksDeps = {
  database: Database;
  log: Logger;
  /** Attempt counters and latency (absent: none). */
  metrics?: Metrics;
  /** Schedules attempts and stamps rows; `webhook-timestamp` uses the wall clock. */
  clock: Clock;
  /** Wake-ups after commits of this process on PGlite (on PostgreSQL the jobs NOTIFY does it). */
  eventLog: Pick<EventLog, "onWake">;
  config: WebhooksConfig;
  /** Postwire version for the User-Agent. */
  version: string;
  /** DNS for destinations (tests script rebinding with it); default: the system resolver. */
  resolveHost?: ResolveHost;
  /** Extra trusted CA certificates (PEM) for https receivers. */
  ca?: string | Buffer;
  /** Random source for the retry jitter; default Math.random. */
  random?: () => number;
};

/** The running webhooks service. */
export type Webhooks = {
  /** The event log's in-transaction hook: `eventLog.setAppendHook(webhooks.appendHook)`. */
  appendHook: AppendHook;
  /**
   * Applies the config file's (or localserve's) settings of one account in the caller's
   * transaction; URLs refused by the SSRF guard throw. Returns the stored settings.
   */
  syncConfig(tx: Tx, accountId: number, input: WebhookConfigInput): Promise<WebhookConfigView>;
  /** Operations behind the webapi methods (api/routes/webhooks.ts). */
  methods: WebhookMethods;
  /** Starts the queue runner and the cleanup loop. */
  start(): Promise<void>;
  /**
   * Stops them; POSTs in flight finish until `deadline` (a `performance.now()` time; default:
   * at most the timeout), then are cut short and handed back uncounted.
   */
  stop(o?: { deadline?: number }): Promise<void>;
  /** Looks for due webhooks now (after a commit that queued some). */
  wake(): void;
  /** Removes retired webhooks past their keep time now; returns how many. */
  cleanupNow(): Promise<number>;
  /** Jobs held and POSTs in flight in this process. */
  stats(): { held: number; posting: number };
};

/** Creates the webhooks service; nothing runs until `start()`. */
export function createWebhooks(deps: WebhooksDeps): Webhooks {
  const { database, config } = deps;
  const log = deps.log.child({ module: "webhooks" });
  const guard = createDestinationGuard({
    policy: { allow: config.allowHosts, allowLoopback: config.allowLoopback },
    resolve: deps.resolveHost,
  });
  const poster = createWebhookPoster({
    guard,
    version: deps.version,
    timeoutMs: config.timeoutMs,
    maxSockets: config.concurrency,
    ...(deps.ca !== undefined ? { ca: deps.ca } : {}),
  });
  const newAdmission = () => createAdmission({ perUrl: config.concurrencyPerUrl, overall: config.concurrency });
  let admission = newAdmission();
  const now = () => new Date(deps.clock.now());
  let runner: Runner | null = null;
  let cleanup: Cleanup | null = null;
  let unwake: (() => void) | null = null;
  // Commits of accounts without webhooks need no claim query: wake only while hooks were queued lately.
  let lastQueued = -Infinity;
  const wake = (): void => runner?.wake();
  // Keep periods change rarely: a minute's cache saves a query per finished webhook.
  const keepCache = new Map<number, { ms: number; at: number }>();
  const keepPeriods = async (accountId: number): Promise<number> => {
    const hit = keepCache.get(accountId);
    if (hit && performance.now() - hit.at < 60_000) return hit.ms;
    const ms = await keepPeriod(database.db, accountId);
    keepCache.set(accountId, { ms, at: performance.now() });
    return ms;
  };

  const appendHook = createAppendHook({
    database,
    now,
    // Until a POST in flight can have ended or its process been seen dead: its timeout plus a lease.
    holdMs: config.timeoutMs + (config.lockTimeoutMs ?? defaultLeaseMs),
    onQueued: () => (lastQueued = performance.now()),
  });
  const methods = createWebhookMethods({
    database,
    poster,
    now,
    queued: wake,
    async checkUrl(url) {
      try {
        await guard.checkDestination(url);
      } catch (err) {
        // A name that does not resolve yet is accepted: the connect-time check still applies.
        if (err instanceof DestinationRefusedError || err instanceof InvalidWebhookUrlError) throw err;
      }
    },
  });

  return {
    appendHook,
    syncConfig: (tx, accountId, input) => syncConfig(tx, accountId, input, { checkUrl: (u) => void guard.checkUrl(u), now: now() }),
    methods,
    async start() {
      if (runner) return;
      admission = newAdmission();
      runner = await startRunner({
        database,
        log,
        clock: deps.clock,
        kinds: [webhookJobKind],
        handler: createWebhookHandler({
          db: database.db,
          log,
          clock: deps.clock,
          poster,
          admission,
          timeScale: config.timeScale,
          random: deps.random ?? Math.random,
          keepPeriod: keepPeriods,
          wake,
          metrics: deps.metrics,
        }),
        concurrency: config.concurrency,
        metrics: deps.metrics,
        gate: admission,
        pollMs: config.pollMs,
        lockTimeoutMs: config.lockTimeoutMs,
      });
      // On PostgreSQL the queue's NOTIFY at commit already wakes every runner; PGlite has none.
      if (!database.listen) {
        unwake = deps.eventLog.onWake(() => {
          if (performance.now() - lastQueued < 5000) wake();
        });
      }
      cleanup = startCleanup({ db: database.db, log, clock: deps.clock, timeScale: config.timeScale });
    },
    async stop(o) {
      unwake?.();
      cleanup?.stop();
      // Jobs waiting for a POST slot give up at once; POSTs in flight finish (at most the timeout).
      admission.close();
      await runner?.stop(o);
      poster.close();
      runner = null;
      cleanup = null;
      unwake = null;
    },
    wake,
    cleanupNow: () => removeExpired(database.db, now()),
    stats: () => ({ held: admission.held(), posting: admission.posting() }),
  };
}
