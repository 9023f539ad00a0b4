// The receive path's insert sends ASCII raw messages as text and others as bytea: either way
// the stored bytes are exactly the received ones, and `parsed` is the same jsonb.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openTestDb, type TestDb } from "../../test/helpers/db.js";
import { ensureAccount } from "./accounts.js";
import { getMessage, insertMessage } from "./messages.js";

describe("insertMessage", () => {
  let t: TestDb;
  let accountId: number;
  before(async () => {
    t = await openTestDb();
    accountId = (await t.database.db.transaction((tx) => ensureAccount(tx, { name: "alice", addresses: ["alice@example.test"] }))).id;
  });
  after(async () => t?.cleanup());

  const envelope = { mailFrom: "a@remote.test", rcptTo: "alice@example.test", remoteIp: "127.0.0.1", helo: "remote.test", tls: false, authUser: null, listener: "mx" };
  const store = (raw: Buffer, parsed: Record<string, unknown> | null = null, parsedJson?: string) =>
    t.database.db.transaction((tx) => insertMessage(tx, { accountId, mailbox: { role: "inbox" }, raw, envelope, parsed, parsedJson }));

  const cases: [string, Buffer][] = [
    ["ASCII (sent as text)", Buffer.from("Subject: plain\r\n\r\n" + "a\\b\\x00 '\" %\t~\x7f\r\n".repeat(5000))],
    ["8-bit (sent as bytea)", Buffer.concat([Buffer.from("Subject: 8bit\r\n\r\n"), Buffer.from([0xc3, 0xa9, 0xff, 0x80, 0xe2, 0x82, 0xac, 0x0d, 0x0a])])],
    ["ASCII with a NUL byte (sent as bytea)", Buffer.from("Subject: nul\r\n\r\na\x00b\r\n")],
    ["every byte value", Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256))],
    ["empty", Buffer.alloc(0)],
  ];
  for (const [name, raw] of cases) {
    it(`stores the raw bytes exactly: ${name}`, async () => {
      const { id } = await store(raw);
      const m = await getMessage(t.database.db, accountId, id);
      assert.ok(m);
      assert.ok(Buffer.isBuffer(m.raw));
      assert.ok(m.raw.equals(raw), "bytes unchanged");
      assert.equal(m.size, raw.length);
    });
  }

  it("stores parsed from the given JSON text, or serializes the object, and null as SQL null", async () => {
    const parsed = { Subject: "x <&> \u2028", Text: "line\r\n", n: 1 };
    const a = await store(Buffer.from("Subject: x\r\n\r\n"), parsed, JSON.stringify(parsed));
    const b = await store(Buffer.from("Subject: x\r\n\r\n"), parsed);
    const c = await store(Buffer.from("Subject: x\r\n\r\n"), null);
    assert.deepEqual((await getMessage(t.database.db, accountId, a.id))?.parsed, parsed);
    assert.deepEqual((await getMessage(t.database.db, accountId, b.id))?.parsed, parsed);
    assert.equal((await getMessage(t.database.db, accountId, c.id))?.parsed, null);
  });
});
