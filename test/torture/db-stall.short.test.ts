// docs/guarantees.md E7 (DB stall), short: a lock held on `messages` while MX mail arrives. The
// promise: a 4xx reply within the reply budget, and a transaction answered 4xx never commits
// later. In-process serve mode with a short commit budget (smtp.commitTimeout), so it is seconds here
// (the long version in pg-faults.test.ts holds the lock for 2 minutes at default settings).
// PostgreSQL only (TEST_DATABASE_URL): PGlite is one session, nothing else can hold a lock.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import postgres from "postgres";
import { onPostgres } from "../helpers/db.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { RawSmtp } from "../helpers/smtp-client.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function mxSend(port: number, nonce: string): Promise<{ reply: string; ms: number }> {
  const c = await RawSmtp.open(port);
  try {
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<stall@client.example>");
    assert.match(await c.cmd("RCPT TO:<alice@example.test>"), /^250/);
    assert.match(await c.cmd("DATA"), /^354/);
    const t = Date.now();
    c.write(`From: stall@client.example\r\nSubject: stall ${nonce}\r\n\r\nbody ${nonce}\r\n.\r\n`);
    const reply = await c.reply(60_000);
    return { reply, ms: Date.now() - t };
  } finally {
    c.close();
  }
}

describe("DB stall: a held lock on messages (E7, short)", { skip: onPostgres ? false : "needs PostgreSQL (TEST_DATABASE_URL)" }, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ config: { smtp: { commandTimeout: "3s", sessionTimeout: "20s", commitTimeout: "1s" } } });
  });
  after(async () => app?.cleanup());

  async function withLock<T>(holdMs: number, fn: () => Promise<T>): Promise<T> {
    const url = app.config.database.url;
    const locker = postgres(url, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = locker.begin(async (sql) => {
      await sql`lock table messages in exclusive mode`;
      locked();
      await released;
    });
    await isLocked;
    const timer = sleep(holdMs).then(release);
    try {
      return await fn();
    } finally {
      await timer;
      await holder;
      await locker.end();
    }
  }

  async function storedCount(nonce: string): Promise<number> {
    const rows = await app.database.sql`select count(*)::int as n from messages where subject = ${`stall ${nonce}`}`;
    return Number(rows[0]!.n);
  }

  it("answers 451 4.3.0 within the commit budget and never commits that message later", async () => {
    const nonce = randomBytes(6).toString("hex");
    const r = await withLock(3500, () => mxSend(app.ports.smtp!, nonce));
    assert.match(r.reply, /^451 4\.3\.0 /, "a temporary failure while the table is locked");
    assert.ok(r.ms < 3000, `reply within the budget (took ${r.ms} ms)`);
    await sleep(1500); // the lock is gone: a transaction left running would have committed by now
    assert.equal(await storedCount(nonce), 0, "a message answered with 4xx must never be stored");
  });

  it("stores a message accepted after the lock is released exactly once", async () => {
    const nonce = randomBytes(6).toString("hex");
    const r = await mxSend(app.ports.smtp!, nonce);
    assert.match(r.reply, /^250 /);
    assert.equal(await storedCount(nonce), 1);
  });
});
