// Two instances on one PostgreSQL (PostgreSQL only: PGlite is one process): a subscriber on B
// receives what A appended (LISTEN/NOTIFY wakes B, B reads the log by cursor), resumes on A with
// B's cursor, and an event hidden behind an older open transaction (no wake will come when that
// transaction ends) is still delivered once it becomes visible.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openDatabase, type Database } from "../../src/db/index.js";
import { createEventLog, type EventLog } from "../../src/events/index.js";
import { createTestDatabaseUrl, onPostgres } from "../helpers/db.js";
import { appendEvent, basic, connect, makeAccount, payloadFor, silent, sleep, startRealtime, type Client, type Realtime } from "./realtime-harness.js";

const ids = (c: Client) => c.events().map((f) => (f.json.Payload as { Meta: { MsgID: number } }).Meta.MsgID);

describe("realtime: scale-out on PostgreSQL", { skip: !onPostgres && "needs TEST_DATABASE_URL" }, () => {
  let pg: { url: string; drop(): Promise<void> };
  let dir: string;
  let dbA: Database;
  let dbB: Database;
  let logA: EventLog;
  let logB: EventLog;
  let a: Realtime;
  let b: Realtime;
  let acc: number;
  before(async () => {
    pg = (await createTestDatabaseUrl())!;
    dir = mkdtempSync(join(tmpdir(), "postwire-rt-"));
    dbA = await openDatabase({ url: pg.url, dataDir: dir, poolSize: 5 });
    dbB = await openDatabase({ url: pg.url, dataDir: dir, poolSize: 5, migrate: false });
    logA = await createEventLog({ database: dbA, log: silent });
    logB = await createEventLog({ database: dbB, log: silent });
    a = await startRealtime({ database: dbA, eventLog: logA });
    b = await startRealtime({ database: dbB, eventLog: logB });
    acc = await makeAccount(dbA, "scale", ["scale@s.test"]);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await logA?.close();
    await logB?.close();
    await dbA?.close();
    await dbB?.close();
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a subscriber on B receives events appended on A, and resumes on A with B's cursor", async () => {
    const onB = connect(b.url(), { Authorization: basic("scale@s.test") });
    await onB.waitFrames(1);
    for (let i = 1; i <= 5; i++) await appendEvent(logA, dbA, acc, "scale@s.test", payloadFor(i));
    await onB.waitFrames(6);
    assert.deepEqual(ids(onB), [1, 2, 3, 4, 5]);
    const cursor = onB.events()[2]!.json.Cursor as string;
    onB.ws.close();
    const onA = connect(a.url(`since=${cursor}`), { Authorization: basic("scale@s.test") });
    await onA.waitFrames(3);
    await appendEvent(logB, dbB, acc, "scale@s.test", payloadFor(6));
    await onA.waitFrames(4);
    assert.deepEqual(ids(onA), [4, 5, 6]);
    onA.ws.close();
  });

  it("delivers an event that was hidden behind an older transaction once that one ends", async () => {
    // A fresh account: a subscriber without since may still get an event committed just before
    // it connected (one the reader had not seen yet), so earlier events must not be around.
    const acc1 = await makeAccount(dbA, "scale1", ["scale1@s.test"]);
    const c = connect(b.url(), { Authorization: basic("scale1@s.test") });
    await c.waitFrames(1);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const begun = new Promise<void>((r) => (started = r));
    // An unrelated writer: it holds a transaction id and appends nothing, so its end wakes nobody.
    const old = dbA.sql.begin(async (sql) => {
      await sql`select pg_current_xact_id()`;
      started();
      await held;
    });
    await begun;
    await appendEvent(logA, dbA, acc1, "scale1@s.test", payloadFor(7));
    await sleep(300);
    assert.deepEqual(ids(c), [], "invisible while an older transaction runs (the log's gap-free rule)");
    release();
    await old;
    await c.waitFrames(2, 3000);
    assert.deepEqual(ids(c), [7]);

    // The same for a reader that starts while the hidden event is already committed.
    const acc2 = await makeAccount(dbA, "scale2", ["scale2@s.test"]);
    let release2!: () => void;
    const held2 = new Promise<void>((r) => (release2 = r));
    let started2!: () => void;
    const begun2 = new Promise<void>((r) => (started2 = r));
    const old2 = dbA.sql.begin(async (sql) => {
      await sql`select pg_current_xact_id()`;
      started2();
      await held2;
    });
    await begun2;
    await appendEvent(logA, dbA, acc2, "scale2@s.test", payloadFor(8));
    const late = connect(b.url(), { Authorization: basic("scale2@s.test") });
    await late.waitFrames(1);
    await sleep(200);
    release2();
    await old2;
    await late.waitFrames(2, 3000);
    assert.deepEqual(ids(late), [8]);
    c.ws.close();
    late.ws.close();
  });
});
