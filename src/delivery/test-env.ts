// Test-only: a delivery service on a fresh test database (PGlite, or PostgreSQL when
// TEST_DATABASE_URL is set), the event log, an account, and a fake MX reached through the
// target override. Not used by the module itself.
import { openTestDb, settled, type TestDb } from "../../test/helpers/db.js";
import { systemClock, type Clock } from "../clock/index.js";
import type { Database } from "../db/index.js";
import { createStaticResolver } from "../dns/index.js";
import { createEventLog, startCursor, type EventLog, type LoggedEvent } from "../events/index.js";
import { silentLogger } from "../log/index.js";
import { ensureAccount, ensureDomain, listMessages, type AccountSettings } from "../store/index.js";
import { createDelivery, type Delivery, type DeliveryDeps, type Submission } from "./index.js";
import { startTestMx, type MxScript, type TestMx } from "./test-mx.js";

/** A database with the event log, shared by the tests of one file. */
export type TestBase = { t: TestDb; database: Database; eventLog: EventLog; close(): Promise<void> };

/** Opens the test database and its event log. */
export async function openBase(): Promise<TestBase> {
  const t = await openTestDb();
  const eventLog = await createEventLog({ database: t.database, log: silentLogger() });
  return {
    t,
    database: t.database,
    eventLog,
    async close() {
      await eventLog.close();
      await t.cleanup();
    },
  };
}

/** One scenario: an account on domain `<name>.example`, a fake MX, a started delivery. */
export type Scenario = {
  accountId: number;
  address: string;
  delivery: Delivery;
  mx: TestMx;
  /** A submission from the account's address to `recipients` (overrides apply). */
  send(recipients: string[], o?: Partial<Submission>): Promise<{ address: string; queueMsgId: number; fromId: string }[]>;
  events(kinds?: string[]): Promise<LoggedEvent[]>;
  /** Payloads of the events, parsed, in log order. */
  payloads(kinds?: string[]): Promise<Record<string, unknown>[]>;
  inbox(): Promise<{ subject: string; isDsn: boolean; raw: Buffer }[]>;
  waitFor(kinds: string[], count: number, timeoutMs?: number): Promise<LoggedEvent[]>;
  stop(): Promise<void>;
};

/** Starts a scenario on the base database. */
export async function scenario(
  base: TestBase,
  name: string,
  o: { script?: MxScript; settings?: Partial<AccountSettings>; deps?: Partial<DeliveryDeps>; clock?: Clock; start?: boolean } = {},
): Promise<Scenario> {
  const address = `${name}@${name}.example`;
  const account = await base.database.db.transaction(async (tx) => {
    await ensureDomain(tx, { name: `${name}.example` });
    return ensureAccount(tx, { name, addresses: [address], settings: o.settings });
  });
  const mx = await startTestMx(o.script);
  const delivery = createDelivery({
    database: base.database,
    log: silentLogger(),
    clock: o.clock ?? systemClock,
    eventLog: base.eventLog,
    resolver: createStaticResolver({}),
    hostname: "mail.postwire.test",
    timeScale: 100_000,
    concurrency: 4,
    target: async () => [{ host: "127.0.0.1", port: mx.port }],
    ...o.deps,
  });
  if (o.start !== false) await delivery.start();
  const events = async (kinds?: string[]) => {
    await settled(base.database);
    return base.eventLog.read({ accountId: account.id, after: startCursor, kinds: kinds ?? [], limit: 10_000 });
  };
  const s: Scenario = {
    accountId: account.id,
    address,
    delivery,
    mx,
    async send(recipients, over = {}) {
      const r = await base.database.db.transaction((tx) =>
        delivery.submit(tx, {
          accountId: account.id,
          loginAddress: address,
          from: address,
          recipients,
          raw: message(address, recipients, over.subject ?? "hello"),
          messageId: `<${Math.random().toString(36).slice(2)}@${name}.example>`,
          subject: "hello",
          extra: {},
          requireTls: null,
          futureRelease: null,
          source: "webapi",
          ...over,
        }),
      );
      delivery.wake();
      return r;
    },
    events,
    async payloads(kinds) {
      return (await events(kinds)).map((e) => JSON.parse(e.payload) as Record<string, unknown>);
    },
    async inbox() {
      const list = await listMessages(base.database.db, { accountId: account.id, mailboxName: "Inbox", limit: 100, oldestFirst: true });
      return list.map((m) => ({ subject: m.subject, isDsn: m.isDsn, raw: m.raw }));
    },
    async waitFor(kinds, count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = await events(kinds);
        if (got.length >= count || Date.now() > deadline) return got;
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      await delivery.stop();
      await mx.close();
    },
  };
  return s;
}

/** A small CRLF message. */
export function message(from: string, to: string[], subject: string, body = "hi there\r\n"): Buffer {
  return Buffer.from(`From: <${from}>\r\nTo: ${to.map((t) => `<${t}>`).join(", ")}\r\nSubject: ${subject}\r\nMessage-ID: <x@y>\r\n\r\n${body}`);
}

