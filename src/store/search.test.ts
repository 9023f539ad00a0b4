// Word search answers the same whichever path serves it: the window of recent messages (a
// frequent word) or the index lookup (a word only in older mail), on PGlite and PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openTestDb, type TestDb } from "../../test/helpers/db.js";
import { ensureAccount } from "./accounts.js";
import { searchMessages } from "./mailbox-page.js";
import { insertMessage } from "./messages.js";
import { parseSearch } from "./search.js";

describe("searchMessages", () => {
  let t: TestDb;
  let accountId: number;
  const ids: number[] = [];
  before(async () => {
    t = await openTestDb();
    accountId = (await t.database.db.transaction((tx) => ensureAccount(tx, { name: "alice", addresses: ["alice@example.test"] }))).id;
    const envelope = { mailFrom: "a@remote.test", rcptTo: "alice@example.test", remoteIp: "127.0.0.1", helo: "remote.test", tls: false, authUser: null, listener: "mx" };
    for (let i = 0; i < 12; i++) {
      const text = `common words here ${i === 0 ? "ancient-marker" : ""} ${i % 2 ? "odd" : "even"}`;
      const parsed = { From: [{ Name: "", Address: "a@remote.test" }], To: [], Text: text, HTML: "", Structure: { ContentType: "text/plain", Filename: "", Parts: [] } };
      const r = await t.database.db.transaction((tx) => insertMessage(tx, { accountId, mailbox: { role: "inbox" }, raw: Buffer.from(`Subject: m${i}\r\n\r\n${text}\r\n`), envelope, subject: `m${i}`, parsed }));
      ids.push(r.id);
    }
  });
  after(async () => t?.cleanup());

  const search = async (q: string, limit: number, recentWindow: number, beforeId?: number) =>
    (await searchMessages(t.database.db, { accountId, limit, recentWindow, beforeId, query: parseSearch(q) })).map((r) => r.id);

  it("gives the same pages from the recent window and from the index", async () => {
    const newest = [...ids].reverse();
    for (const window of [2, 5, 1000]) {
      assert.deepEqual(await search("common", 3, window), newest.slice(0, 3), `window ${window}`);
      assert.deepEqual(await search("ancient", 3, window), [ids[0]], `window ${window}`);
      assert.deepEqual(await search("odd", 3, window), newest.filter((_, i) => i % 2 === 0).slice(0, 3), `window ${window}`);
      assert.deepEqual(await search("even", 10, window, ids[6]), [ids[4], ids[2], ids[0]], `window ${window}, paged`);
    }
  });
});
