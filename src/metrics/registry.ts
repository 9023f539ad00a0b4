import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** A row of the queue gauges, computed at scrape time. */
export type QueueStat = { kind: string; state: string; count: number; oldestSeconds: number };

/** What the scrape-time gauges read; app/ wires them after the modules exist. */
export type ScrapeSources = {
  /** Jobs by kind and state with the age of the oldest (one query). */
  queue?: () => Promise<QueueStat[]>;
  /** Job kinds whose gauges are exported (as 0) even while none exists. */
  queueKinds?: string[];
  /** WebSocket event stream subscribers of this process. */
  streamSubscribers?: () => number;
  /** Database connections by state (pg_stat_activity), empty when not measurable. */
  dbConnections?: () => Promise<{ state: string; count: number }[]>;
  /** Connections this process may open (config `database.poolSize`; 1 on PGlite). */
  dbPoolMax?: number;
};

/**
 * The observation points of the modules. Every call is cheap (a counter or histogram update
 * on a pre-built child); a disabled instance does nothing at all.
 */
export type Metrics = {
  readonly enabled: boolean;
  /** An SMTP connection was accepted by a listener. */
  smtpSession(listener: string): void;
  /** A reply (final line's code) was written on an SMTP session. */
  smtpReply(listener: string, code: number): void;
  /** A message was committed (250 after DATA). */
  messageAccepted(listener: string): void;
  /** One outgoing SMTP attempt (one host): delivered, temporary or permanent. */
  deliveryAttempt(result: "delivered" | "temporary" | "permanent", seconds: number): void;
  /** One webhook POST; status 0 when no HTTP answer came. */
  webhookAttempt(status: number, seconds: number): void;
  /** A failed login (smtp, webapi, events). */
  authFailure(protocol: string): void;
  /** Job locks of vanished workers taken back. */
  locksRecovered(n: number): void;
  /** One group-commit transaction (BEGIN to COMMIT answer) with its number of works. */
  commit(seconds: number, works: number, ok: boolean): void;
  setSources(s: ScrapeSources): void;
  /** The exposition text (Prometheus text format 0.0.4). */
  render(): Promise<{ contentType: string; body: string }>;
};

const contentType = Registry.PROMETHEUS_CONTENT_TYPE;

// Process-wide metrics (event-loop lag, heap, GC, CPU) are registered once per process: their
// observers cannot be removed, and several apps in one process (tests) share them.
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 20 });
  }
  return processRegistry;
}

/** Metrics that record nothing and render nothing (`metrics.enabled: false`). */
export const disabledMetrics: Metrics = {
  enabled: false,
  smtpSession() {},
  smtpReply() {},
  messageAccepted() {},
  deliveryAttempt() {},
  webhookAttempt() {},
  authFailure() {},
  locksRecovered() {},
  commit() {},
  setSources() {},
  render: async () => ({ contentType, body: "" }),
};

/** Creates one app's metrics in a registry of its own (see docs/operations.md for the names). */
export function createMetrics(): Metrics {
  const reg = new Registry();
  const c = <L extends string>(name: string, help: string, labelNames: L[] = []) => new Counter<L>({ name, help, labelNames, registers: [reg] });
  const h = <L extends string>(name: string, help: string, buckets: number[], labelNames: L[] = []) =>
    new Histogram<L>({ name, help, buckets, labelNames, registers: [reg] });
  const sessions = c("postwire_smtp_sessions_total", "SMTP connections accepted, by listener.", ["listener"]);
  const replies = c("postwire_smtp_replies_total", "SMTP replies sent, by listener and reply code.", ["listener", "code"]);
  const accepted = c("postwire_messages_accepted_total", "Messages committed after DATA (250), by listener.", ["listener"]);
  const delivery = h("postwire_delivery_attempt_duration_seconds", "Outgoing SMTP attempts (one host each), by result.", [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], ["result"]);
  const webhook = h("postwire_webhook_attempt_duration_seconds", "Webhook POSTs, by HTTP status class (0xx: no answer).", [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], ["status"]);
  const webhookStatus = c("postwire_webhook_attempts_total", "Webhook POSTs, by HTTP status (0: no answer).", ["status"]);
  const authFailures = c("postwire_auth_failures_total", "Failed logins, by protocol.", ["protocol"]);
  const recovered = c("postwire_queue_locks_recovered_total", "Job locks of vanished workers taken back by this process.");
  const commits = h("postwire_db_commit_duration_seconds", "Group-commit transactions (accepts, submissions, webhook results): BEGIN to COMMIT, by outcome.", [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], ["outcome"]);
  const commitWorks = c("postwire_db_commit_works_total", "Works (messages, results) committed by group-commit transactions.");
  let sources: ScrapeSources = {};
  const kinds = new Set<string>();
  // Both queue gauges read the same rows, one query per scrape (queueRows shares it).
  const queueGauge = (name: string, help: string, value: (r: QueueStat) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["kind", "state"],
      registers: [reg],
      async collect() {
        const rows = await queueRows();
        this.reset();
        for (const k of kinds) for (const s of queueStates) this.set({ kind: k, state: s }, 0);
        for (const r of rows) this.set({ kind: r.kind, state: r.state }, value(r));
      },
    });
  queueGauge("postwire_queue_jobs", "Jobs in the queue by kind and state (due, waiting, running), all processes.", (r) => r.count);
  queueGauge("postwire_queue_oldest_seconds", "Age of the oldest job by kind and state (0 when none).", (r) => r.oldestSeconds);
  new Gauge({
    name: "postwire_stream_subscribers",
    help: "WebSocket event stream subscribers of this process.",
    registers: [reg],
    collect() {
      this.set(sources.streamSubscribers?.() ?? 0);
    },
  });
  new Gauge({
    name: "postwire_db_pool_max",
    help: "Database connections this process may open.",
    registers: [reg],
    collect() {
      this.set(sources.dbPoolMax ?? 0);
    },
  });
  new Gauge({
    name: "postwire_db_connections",
    help: "Open database connections of all postwire processes on this database, by state (PostgreSQL only).",
    labelNames: ["state"],
    registers: [reg],
    async collect() {
      const rows = sources.dbConnections ? await within(sources.dbConnections(), scrapeQueryMs).catch(() => []) : [];
      this.reset();
      for (const r of rows) this.set({ state: r.state }, r.count);
    },
  });
  let dbUp = 1;
  new Gauge({
    name: "postwire_db_up",
    help: "1 when the scrape's queue query succeeded, 0 when the database did not answer.",
    registers: [reg],
    async collect() {
      await queueRows();
      this.set(dbUp);
    },
  });
  // The queue gauges and postwire_db_up share one query per scrape.
  let pendingQueue: Promise<QueueStat[]> | null = null;
  function queueRows(): Promise<QueueStat[]> {
    if (!sources.queue) return Promise.resolve([]);
    pendingQueue ??= within(sources.queue(), scrapeQueryMs).then(
      (rows) => {
        dbUp = 1;
        for (const r of rows) kinds.add(r.kind);
        return rows;
      },
      () => {
        dbUp = 0; // the scrape still answers; postwire_db_up tells the database is unreachable
        return [];
      },
    );
    const p = pendingQueue;
    setImmediate(() => (pendingQueue = null));
    return p;
  }
  const cache = new Map<string, { inc(): void }>();
  const child = (key: string, make: () => { inc(): void }) => {
    let x = cache.get(key);
    if (!x) cache.set(key, (x = make()));
    return x;
  };
  return {
    enabled: true,
    smtpSession: (l) => child(`s:${l}`, () => sessions.labels(l)).inc(),
    smtpReply: (l, code) => child(`r:${l}:${code}`, () => replies.labels(l, String(code))).inc(),
    messageAccepted: (l) => child(`a:${l}`, () => accepted.labels(l)).inc(),
    deliveryAttempt: (result, seconds) => delivery.labels(result).observe(seconds),
    webhookAttempt(status, seconds) {
      webhook.labels(`${Math.floor(status / 100)}xx`).observe(seconds);
      child(`w:${status}`, () => webhookStatus.labels(String(status))).inc();
    },
    authFailure: (p) => child(`f:${p}`, () => authFailures.labels(p)).inc(),
    locksRecovered: (n) => recovered.inc(n),
    commit(seconds, works, ok) {
      commits.labels(ok ? "committed" : "failed").observe(seconds);
      if (ok) commitWorks.inc(works);
    },
    setSources(s) {
      sources = { ...sources, ...s };
      for (const k of s.queueKinds ?? []) kinds.add(k);
    },
    async render() {
      const [own, proc] = await Promise.all([reg.metrics(), processMetrics().metrics()]);
      return { contentType, body: own + "\n" + proc };
    },
  };
}

const queueStates = ["due", "waiting", "running"] as const;

// A scrape must answer within Prometheus' scrape timeout (10 s by default) even while the
// database is unreachable (a reconnecting pool waits for its connect timeout): its queries get 2 s.
const scrapeQueryMs = 2000;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  p.catch(() => {}); // a late failure after the timeout is not unhandled
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
