// Refusals on the SMTP listeners: each gets its reply code and enhanced code, and nothing is
// stored. Real sockets (RAW harness) and real clients against an in-process server.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { count, sql } from "drizzle-orm";
import { schema } from "../../src/db/index.js";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { RawSmtp, smtplibSend } from "../helpers/smtp-client.js";

describe("SMTP refusals", () => {
  let app: TestApp;
  before(async () => (app = await startTestApp()));
  after(async () => app.cleanup());

  const stored = async () => (await app.database.db.select({ n: count() }).from(schema.messages))[0]!.n;

  async function session(port = app.ports.smtp!): Promise<RawSmtp> {
    const c = await RawSmtp.open(port);
    assert.match(await c.reply(), /^220 /);
    assert.match(await c.cmd("EHLO client.test"), /^250/);
    return c;
  }

  /** Runs MAIL/RCPT/DATA with `body` (already CRLF-terminated, without the final dot). */
  async function transaction(body: string | Buffer, rcpt = "alice@example.test"): Promise<string> {
    const c = await session();
    try {
      assert.match(await c.cmd("MAIL FROM:<x@remote.test>"), /^250/);
      assert.match(await c.cmd(`RCPT TO:<${rcpt}>`), /^250/);
      assert.match(await c.cmd("DATA"), /^354/);
      c.write(body);
      c.write(".\r\n");
      return await c.reply();
    } finally {
      c.close();
    }
  }

  it("accepts mail for a hosted address", async () => {
    const before = await stored();
    const r = await transaction("Subject: ok\r\n\r\nhello\r\n");
    assert.match(r, /^250 2\.6\.0 /);
    assert.equal(await stored(), before + 1);
  });

  it("refuses relaying in every address form with 550 5.7.1", async () => {
    const before = await stored();
    for (const rcpt of ["x@remote.test", "@example.test:x@remote.test", "x%remote.test@example.test", '"x@remote.test"@example.test', "x@example.test.", "x@disabled.test"]) {
      const c = await session();
      await c.cmd("MAIL FROM:<a@remote.test>");
      const r = await c.cmd(`RCPT TO:<${rcpt}>`);
      c.close();
      assert.match(r, /^5\d\d 5\.(7\.1|1\.3|1\.1) /, `${rcpt}: ${r}`);
    }
    const c = await session();
    await c.cmd("MAIL FROM:<a@remote.test>");
    assert.equal(await c.cmd("RCPT TO:<x@remote.test>"), "550 5.7.1 relaying denied");
    assert.equal(await c.cmd("RCPT TO:<nobody@example.test>"), "550 5.1.1 no such user");
    c.close();
    assert.equal(await stored(), before);
  });

  it("refuses bare LF and bare CR in DATA with 5.5.2 and stores nothing", async () => {
    const before = await stored();
    assert.match(await transaction("Subject: x\r\n\r\nbare\nlf\r\n"), /^5\d\d 5\.5\.2 /);
    assert.match(await transaction("Subject: x\r\n\r\nbare\rcr\r\n"), /^5\d\d 5\.5\.2 /);
    assert.equal(await stored(), before);
  });

  it("never turns a smuggled end-of-data into a second message", async () => {
    const before = await stored();
    const smuggle = "Subject: a\r\n\r\nbody\n.\r\nMAIL FROM:<boss@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nforged\r\n";
    const r = await transaction(smuggle);
    assert.match(r, /^5\d\d 5\.5\.2 /);
    assert.equal(await stored(), before);
    const forged = await app.database.db.select().from(schema.messages).where(sql`position('forged'::bytea in ${schema.messages.raw}) > 0`);
    assert.equal(forged.length, 0);
  });

  it("refuses an oversize message with 552 5.3.4, at MAIL with SIZE= and after DATA without", async () => {
    const before = await stored();
    const c = await session();
    assert.match(await c.cmd("MAIL FROM:<a@remote.test> SIZE=999999999"), /^552 /);
    c.close();
    const big = "Subject: big\r\n\r\n" + ("x".repeat(998) + "\r\n").repeat(150);
    assert.match(await transaction(big), /^552 5\.3\.4 /);
    assert.equal(await stored(), before);
  });

  it("answers 452 4.5.3 past the recipient limit", async () => {
    const c = await session();
    await c.cmd("MAIL FROM:<a@remote.test>");
    for (let i = 0; i < 5; i++) assert.match(await c.cmd("RCPT TO:<alice@example.test>"), /^250/);
    assert.match(await c.cmd("RCPT TO:<alice@example.test>"), /^452 4\.5\.3 /);
    c.close();
  });

  it("refuses non-ASCII addresses without SMTPUTF8 (553 5.6.7) and accepts them with it", async () => {
    const c = await session();
    assert.match(await c.cmd("MAIL FROM:<ü@remote.test>"), /^553 5\.6\.7 /);
    assert.match(await c.cmd("MAIL FROM:<ü@remote.test> SMTPUTF8"), /^250/);
    c.close();
  });

  it("refuses overlong command lines and NUL bytes in envelope fields", async () => {
    const c = await session();
    // smtp-server answers an overlong line with 421 and closes (docs/guarantees.md A5 allows it).
    const r = await c.cmd("MAIL FROM:<" + "a".repeat(5000) + "@remote.test>");
    assert.match(r, /^(500|421) /);
    c.close();
    const d = await session();
    assert.match(await d.cmd("MAIL FROM:<a\u0000b@remote.test>"), /^5\d\d /);
    d.close();
  });

  it("stores a NUL byte in the body verbatim", async () => {
    const body = Buffer.concat([Buffer.from("Subject: nul\r\n\r\nbefore"), Buffer.from([0]), Buffer.from("after-nul-marker\r\n")]);
    assert.match(await transaction(body), /^250 /);
    const rows = await app.database.db.select().from(schema.messages).where(sql`position('after-nul-marker'::bytea in ${schema.messages.raw}) > 0`);
    assert.equal(rows.length, 1);
    assert.ok(rows[0]!.raw.includes(Buffer.from([0x65, 0x00, 0x61])), "NUL kept");
  });

  it("submission: wrong password 535 5.7.8; unknown user identical; MAIL FROM of another account 550 5.7.1", async () => {
    const c = await session(app.ports.submission!);
    const plain = (u: string, p: string) => Buffer.from(`\0${u}\0${p}`).toString("base64");
    const wrong = await c.cmd(`AUTH PLAIN ${plain("alice@example.test", "nope")}`);
    const unknown = await c.cmd(`AUTH PLAIN ${plain("nobody@example.test", "nope")}`);
    assert.equal(wrong, "535 5.7.8 authentication credentials invalid");
    assert.equal(unknown, wrong);
    assert.match(await c.cmd(`AUTH PLAIN ${plain("alice@example.test", testPassword)}`), /^235 /);
    assert.equal(await c.cmd("MAIL FROM:<bob@example.test>"), "550 5.7.1 sender address not allowed for this account");
    assert.match(await c.cmd("MAIL FROM:<sales@example.test>"), /^250/);
    c.close();
  });

  it("submission: refuses mail without AUTH (530) and a From header of another account (550 5.7.1)", async () => {
    const c = await session(app.ports.submission!);
    assert.match(await c.cmd("MAIL FROM:<alice@example.test>"), /^530 /);
    c.close();
    const r = await smtplibSend({
      port: app.ports.submission!,
      login: ["alice@example.test", testPassword],
      from: "alice@example.test",
      to: ["someone@remote.test"],
      message: "From: bob@example.test\r\nTo: someone@remote.test\r\nSubject: spoof\r\n\r\nhi\r\n",
    });
    assert.equal(r.status, 3, r.out);
    assert.match(r.out, /ERR 550 5\.7\.1 /);
  });
});
