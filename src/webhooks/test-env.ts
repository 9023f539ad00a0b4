// Test-only: the webhooks service on a test database (PGlite, or PostgreSQL when
// TEST_DATABASE_URL is set) with the real event log and queue, an account, and a receiver on
// loopback that verifies every request with the reference `standardwebhooks` library. Events
// are appended the way inbound/ and delivery/ append them. Not used by the module itself.
import { eq } from "drizzle-orm";
import type http from "node:http";
import { Webhook } from "standardwebhooks";
import { openTestDb, type TestDb } from "../../test/helpers/db.js";
import { manualClock, type Clock } from "../clock/index.js";
import { schema, type Database } from "../db/index.js";
import { createEventLog, serializeOutgoing, exampleBody, examplePayload, type EventKind, type EventLog, type Outgoing } from "../events/index.js";
import { silentLogger } from "../log/index.js";
import { cancelUnclaimedJobs } from "../queue/index.js";
import { ensureAccount, ensureDomain, type AccountSettings } from "../store/index.js";
import { createWebhooks, type Webhooks, type WebhooksConfig } from "./service.js";
import type { WebhookConfigInput, WebhookConfigView } from "./config.js";
import type { WebhookRow } from "./queries.js";
import type { ResolveHost } from "./ssrf.js";
import { startReceiver, type ReceivedRequest, type Receiver, type ReceiverHandler } from "./test-receiver.js";

/** A database with its event log, shared by the tests of one file. */
export type HookBase = { t: TestDb; database: Database; eventLog: EventLog; close(): Promise<void> };

/** Opens the test database and its event log. */
export async function openHookBase(): Promise<HookBase> {
  const t = await openTestDb();
  const eventLog = await createEventLog({ database: t.database, log: silentLogger() });
  return { t, database: t.database, eventLog, close: async () => (await eventLog.close(), await t.cleanup()) };
}

/** One scenario: an account, a receiver, a webhooks service. */
export type HookEnv = {
  accountId: number;
  rx: Receiver;
  webhooks: Webhooks;
  clock: Clock & { advance(ms: number): void; set(ms: number): void };
  /** Secrets the account signs with (after configure). */
  secrets: string[];
  configure(input: WebhookConfigInput): Promise<WebhookConfigView>;
  /** Appends an incoming event with the example payload (or `payload`); returns the event id. */
  incoming(payload?: string): Promise<number>;
  /** Appends an outgoing event for a queue message. */
  outgoing(event: EventKind, queueMsgId: number, over?: Partial<Outgoing>): Promise<number>;
  /** Appends events and throws inside the transaction (it rolls back). */
  rolledBack(): Promise<void>;
  rows(): Promise<WebhookRow[]>;
  row(id: number): Promise<WebhookRow>;
  /** Verifies a received request like a receiver would; throws when it does not verify. */
  verify(r: ReceivedRequest): void;
  /** Waits until `check` is true (polling every 10 ms). */
  until(check: () => boolean | Promise<boolean>, what: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
};

let counter = 0;

/** Starts a scenario on the base. */
export async function hookEnv(
  base: HookBase,
  o: {
    config?: Partial<WebhooksConfig>;
    settings?: Partial<AccountSettings>;
    handler?: ReceiverHandler;
    start?: boolean;
    random?: () => number;
    /** More allow-list entries besides this receiver. */
    allow?: string[];
    resolveHost?: ResolveHost;
  } = {},
): Promise<HookEnv> {
  const name = `hooks${++counter}${process.pid}`;
  const account = await base.database.db.transaction(async (tx) => {
    await ensureDomain(tx, { name: `${name}.example` });
    return ensureAccount(tx, { name, addresses: [`${name}@${name}.example`], settings: o.settings });
  });
  const rx = await startReceiver(o.handler);
  const clock = manualClock(Date.now());
  const webhooks = createWebhooks({
    database: base.database,
    log: silentLogger(),
    clock,
    eventLog: base.eventLog,
    version: "0.0.0-test",
    random: o.random ?? (() => 0.5),
    ...(o.resolveHost ? { resolveHost: o.resolveHost } : {}),
    config: {
      concurrencyPerUrl: 4,
      concurrency: 64,
      timeoutMs: 2000,
      allowHosts: [`127.0.0.1:${rx.port}`, ...(o.allow ?? [])],
      allowLoopback: false,
      timeScale: 1,
      pollMs: 200,
      ...o.config,
    },
  });
  base.eventLog.setAppendHook(webhooks.appendHook);
  if (o.start !== false) await webhooks.start();
  const db = base.database.db;
  const { webhooks: table } = schema;
  const append = async (kind: EventKind, payload: string, queueMsgId: number | null) => {
    const id = await db.transaction(async (tx) => (await base.eventLog.append(tx, { accountId: account.id, kind, address: "rcpt@example.org", queueMsgId, payload })).id);
    base.eventLog.committed(account.id);
    return id;
  };
  const env: HookEnv = {
    accountId: account.id,
    rx,
    webhooks,
    clock,
    secrets: [],
    async configure(input) {
      const view = await db.transaction((tx) => webhooks.syncConfig(tx, account.id, input));
      env.secrets = view.secrets;
      return view;
    },
    incoming: (payload) => append("incoming", payload ?? exampleBody("webhook-incoming-basic"), null),
    outgoing(event, queueMsgId, over = {}) {
      const ex = examplePayload("webhook-outgoing-delivered");
      const p = { ...(ex.payload as Outgoing), Event: event as Outgoing["Event"], QueueMsgID: queueMsgId, ...over };
      return append(event, serializeOutgoing(p), queueMsgId);
    },
    async rolledBack() {
      await db
        .transaction(async (tx) => {
          await base.eventLog.append(tx, { accountId: account.id, kind: "incoming", address: "x@example.org", payload: "{}" });
          throw new Error("roll back");
        })
        .catch(() => {}); // the rollback is the point
    },
    rows: () => db.select().from(table).where(eq(table.accountId, account.id)).orderBy(table.id),
    async row(id) {
      const [r] = await db.select().from(table).where(eq(table.id, id));
      if (!r) throw new Error(`no webhook ${id}`);
      return r;
    },
    verify(r) {
      new Webhook(env.secrets[0]!).verify(r.body.toString(), r.headers as Record<string, string>);
    },
    async until(check, what, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      await webhooks.stop();
      // Leave nothing for the next scenario's runner.
      const pending = (await env.rows()).filter((r) => r.jobId !== null).map((r) => r.jobId!);
      await db.transaction((tx) => cancelUnclaimedJobs(tx, pending));
      await db.delete(table).where(eq(table.accountId, account.id));
      await rx.close();
    },
  };
  return env;
}

/** Answers every request with `status` (and optional headers and body). */
export function answer(status: number, body = "", headers: http.OutgoingHttpHeaders = {}): ReceiverHandler {
  return (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}
