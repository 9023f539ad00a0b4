// The header-duplication class (issue 18): authenticated submissions whose header repeats, in
// any order and spelling, the fields RFC 5322 §3.6 allows once (From first among them, naming
// the account's own or another account's address). Property: a submission is either refused
// with a 5xx and queues nothing, or it is queued and what will leave has exactly one From, an
// address of the logged-in account, and no single-occurrence field twice. Real SMTP sessions
// over a raw socket against an in-process server; seeded.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { count, desc } from "drizzle-orm";
import fc from "fast-check";
import { schema } from "../../src/db/index.js";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { RawSmtp } from "../helpers/smtp-client.js";

const seed = Number(process.env.TORTURE_SEED ?? 20240327);
const runs = Number(process.env.TORTURE_FUZZ_RUNS ?? 40);
const single = ["From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "In-Reply-To", "References"];
const values: Record<string, string[]> = {
  From: ["alice@example.test", "Alice <alice@example.test>", "bob@example.test", "Bob <bob@example.test>", "carol@other.test", "sales@example.test"],
  Sender: ["alice@example.test", "bob@example.test"],
  Date: ["Wed, 27 Mar 2024 02:00:00 +0200", "Thu, 28 Mar 2024 00:00:00 +0000"],
  "Message-ID": ["<a@x.test>", "<b@x.test>"],
};
const ownAddresses = new Set(["alice@example.test", "sales@example.test"]);

/** One generated field: a name from the single-occurrence list, in some spelling, and a value. */
const field = fc.tuple(fc.constantFrom(...single), fc.constantFrom("same", "lower", "upper"), fc.nat(5)).map(([name, spelling, i]) => {
  const options = values[name] ?? ["someone@remote.test", "x"];
  const written = spelling === "lower" ? name.toLowerCase() : spelling === "upper" ? name.toUpperCase() : name;
  return `${written}: ${options[i % options.length]}`;
});
const header = fc.array(field, { minLength: 1, maxLength: 7 });

describe("header-duplication fuzzing on submission", () => {
  let app: TestApp;
  before(async () => (app = await startTestApp()));
  after(async () => app.cleanup());

  const queued = async () => (await app.database.db.select({ n: count() }).from(schema.outboundRaws))[0]!.n;

  async function submit(lines: string[]): Promise<string> {
    const c = await RawSmtp.open(app.ports.submission!);
    try {
      await c.reply();
      await c.cmd("EHLO client.test");
      const auth = await c.cmd(`AUTH PLAIN ${Buffer.from(`\0alice@example.test\0${testPassword}`).toString("base64")}`);
      assert.match(auth, /^235 /);
      assert.match(await c.cmd("MAIL FROM:<alice@example.test>"), /^250/);
      assert.match(await c.cmd("RCPT TO:<someone@remote.test>"), /^250/);
      assert.match(await c.cmd("DATA"), /^354/);
      c.write(`${lines.join("\r\n")}\r\n\r\nbody\r\n.\r\n`);
      return await c.reply();
    } finally {
      c.close();
    }
  }

  it(`${runs} generated headers: refused with nothing queued, or queued with one From of the account (seed ${seed})`, { timeout: 240_000 }, async () => {
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(header, async (lines) => {
        const before = await queued();
        const reply = await submit(lines);
        seen[reply.startsWith("250") ? "accepted" : "refused"]++;
        if (!reply.startsWith("250")) {
          assert.match(reply, /^5\d\d 5\.\d\.\d /, reply);
          assert.equal(await queued(), before, `refused but queued: ${reply}`);
          return;
        }
        assert.equal(await queued(), before + 1);
        const [row] = await app.database.db.select({ raw: schema.outboundRaws.raw }).from(schema.outboundRaws).orderBy(desc(schema.outboundRaws.id)).limit(1);
        const text = row!.raw.toString("latin1");
        const names = text.slice(0, text.indexOf("\r\n\r\n")).split("\r\n").map((l) => l.slice(0, l.indexOf(":")).toLowerCase());
        for (const f of single) assert.ok(names.filter((n) => n === f.toLowerCase()).length <= 1, `${f} twice in an accepted message: ${lines.join(" | ")}`);
        const from = /^from: (?:.*<)?([^<>\s]+@[^<>\s]+)>?$/im.exec(text)?.[1]?.toLowerCase();
        assert.ok(from && ownAddresses.has(from), `accepted From ${from} is not the account's: ${lines.join(" | ")}`);
      }),
      { numRuns: runs, seed },
    );
    // Both outcomes were exercised, so the property was not checked on one side only.
    assert.ok(seen.accepted > 0 && seen.refused > 0, JSON.stringify(seen));
  });
});
