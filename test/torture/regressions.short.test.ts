// Minimal regression tests for bugs the torture fuzzers found, one per finding, against an
// in-process serve-mode app on the suite's backend (PGlite, or TEST_DATABASE_URL).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { RawSmtp } from "../helpers/smtp-client.js";

async function mx(port: number, message: string): Promise<string> {
  const c = await RawSmtp.open(port);
  try {
    await c.reply();
    await c.cmd("EHLO fuzz.example");
    await c.cmd("MAIL FROM:<fuzz@client.example>");
    assert.match(await c.cmd("RCPT TO:<alice@example.test>"), /^250/);
    assert.match(await c.cmd("DATA"), /^354/);
    c.write(message.replace(/^\./gm, "..") + ".\r\n");
    return await c.reply(30_000);
  } finally {
    c.close();
  }
}

describe("torture regressions", () => {
  let app: TestApp;
  before(async () => (app = await startTestApp()));
  after(async () => app?.cleanup());

  // MIME fuzzer (fuzz-mime): mailparser decodes a UTF-16 encoded word with an unpaired
  // surrogate into a lone surrogate; the parsed copy's JSON then held "\ud84d", which jsonb
  // refuses, so the message was answered 451 4.3.0 on every retry and could never be delivered.
  it("accepts a message whose encoded-word Subject decodes to a lone surrogate", async () => {
    const reply = await mx(app.ports.smtp!, "From: a@example.com\r\nSubject: =?utf-16le?B?TdgCdQ==?=\r\n\r\nbody\r\n");
    assert.match(reply, /^250 /);
    const [row] = await app.database.sql`select parsed->>'Subject' as s from messages order by id desc limit 1`;
    assert.equal(row!.s, "\ufffd\u7502");
  });
});
