// The spine end to end: real clients (python3 smtplib, nodemailer, raw sockets) against a real
// `postwire localserve` child process, stored bytes checked in the database, restarts and
// kill -9 at the two moments that matter (during DATA, right after the 250).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import nodemailer from "nodemailer";
import { eq, sql } from "drizzle-orm";
import { openDatabase, schema, type Database } from "../../src/db/index.js";
import { startLocalserveProc, type ServerProc } from "../helpers/proc.js";
import { RawSmtp, smtplibSend } from "../helpers/smtp-client.js";

/** Opens the server's database; on PGlite the server must be stopped first (the dir is locked). */
async function openServerDb(p: ServerProc): Promise<Database> {
  return openDatabase({ url: p.databaseUrl ?? undefined, dataDir: p.dir, migrate: false });
}

async function findByNonce(db: Database, nonce: string) {
  return db.db
    .select()
    .from(schema.messages)
    .where(sql`position(${nonce}::bytea in ${schema.messages.raw}) > 0`);
}

function message(nonce: string, from = "app@example.com", to = "you@example.com"): string {
  return [`From: ${from}`, `To: ${to}`, `Subject: spine ${nonce}`, `Message-ID: <${nonce}@example.com>`, "", `nonce ${nonce}`, "line two", ""].join("\r\n");
}

describe("spine: SMTP in, stored durably", () => {
  let p: ServerProc;
  before(async () => (p = await startLocalserveProc()));
  after(async () => p.cleanup());

  it("stores exactly what smtplib and nodemailer sent, and keeps it across a restart", async () => {
    const n1 = randomBytes(8).toString("hex");
    const m1 = message(n1);
    const r = await smtplibSend({ port: p.ports.smtp, from: "app@example.com", to: ["you@example.com"], message: m1 });
    assert.equal(r.status, 0, r.out);

    const n2 = randomBytes(8).toString("hex");
    const m2 = message(n2, "app@example.com", "other@example.org");
    const t = nodemailer.createTransport({ host: "127.0.0.1", port: p.ports.smtp, secure: false, ignoreTLS: true });
    const info = await t.sendMail({ envelope: { from: "app@example.com", to: ["other@example.org"] }, raw: m2 });
    assert.match(info.response, /^250 /);

    await p.stop();
    await p.restart();
    await p.stop();
    const db = await openServerDb(p);
    try {
      for (const [nonce, sent] of [[n1, m1], [n2, m2]] as const) {
        const rows = await findByNonce(db, nonce);
        assert.equal(rows.length, 1, `one stored copy of ${nonce}`);
        const raw = rows[0]!.raw;
        // Only trace headers may be prepended; the sent bytes follow unchanged.
        assert.ok(raw.subarray(raw.length - Buffer.byteLength(sent)).equals(Buffer.from(sent)), "raw bytes kept exactly");
        const ev = await db.db.select().from(schema.events).where(eq(schema.events.messageId, rows[0]!.id));
        assert.equal(ev.length, 1);
        assert.equal(ev[0]!.kind, "incoming");
        assert.equal(JSON.parse(ev[0]!.payload).Subject, `spine ${nonce}`);
      }
    } finally {
      await db.close();
    }
    await p.restart();
  });

  it("kill -9 during DATA stores nothing; kill -9 right after the 250 keeps message and event", async () => {
    const partial = randomBytes(8).toString("hex");
    let c = await RawSmtp.open(p.ports.smtp);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd("MAIL FROM:<a@example.com>"), /^250/);
    assert.match(await c.cmd("RCPT TO:<b@example.com>"), /^250/);
    assert.match(await c.cmd("DATA"), /^354/);
    c.write(message(partial).slice(0, 60));
    await new Promise((r) => setTimeout(r, 100));
    await p.kill9();
    c.close();
    await p.restart();

    const acked = randomBytes(8).toString("hex");
    c = await RawSmtp.open(p.ports.smtp);
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.com>");
    await c.cmd("RCPT TO:<b@example.com>");
    await c.cmd("DATA");
    c.write(message(acked) + ".\r\n");
    const reply = await c.reply();
    p.child.kill("SIGKILL"); // at once, before anything else can happen
    assert.match(reply, /^250 /);
    await p.kill9();
    c.close();

    const db = await openServerDb(p);
    try {
      assert.equal((await findByNonce(db, partial)).length, 0, "nothing stored for the cut DATA");
      const rows = await findByNonce(db, acked);
      assert.equal(rows.length, 1, "acknowledged message present after kill -9");
      const ev = await db.db.select().from(schema.events).where(eq(schema.events.messageId, rows[0]!.id));
      assert.equal(ev.length, 1, "its event committed with it");
    } finally {
      await db.close();
    }
    await p.restart();
  });
});
