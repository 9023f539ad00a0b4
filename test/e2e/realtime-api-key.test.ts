// The event stream accepts an API key with the read scope as `Authorization: Bearer` (a real
// `ws` client); a key without it, a revoked key and an unknown key are refused before any frame.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createApiKey, revokeApiKey } from "../../src/store/index.js";
import { appendEvent, connect, makeAccount, payloadFor, startRealtime, type Realtime } from "./realtime-harness.js";

describe("realtime: API keys", () => {
  let rt: Realtime;
  let alice: number;
  before(async () => {
    rt = await startRealtime();
    alice = await makeAccount(rt.database, "alice", ["alice@a.test"]);
  });
  after(async () => rt.stop());

  it("streams the account's events to a read-scoped key", async () => {
    const { key } = await createApiKey(rt.database.db, alice, "stream", ["read"]);
    const c = connect(rt.url(), { Authorization: `Bearer ${key}` });
    await c.waitFrames(1);
    await appendEvent(rt.eventLog, rt.database, alice, "alice@a.test", payloadFor(1));
    const frames = await c.waitFrames(2);
    assert.equal(frames[1]!.json.Kind, "incoming");
    c.ws.close();
  });

  it("refuses a key without the read scope (403), a revoked and an unknown key (401)", async () => {
    const send = await createApiKey(rt.database.db, alice, "sender", ["send"]);
    assert.equal(await connect(rt.url(), { Authorization: `Bearer ${send.key}` }).refused, 403);
    const gone = await createApiKey(rt.database.db, alice, "gone", ["read"]);
    assert.ok(await revokeApiKey(rt.database.db, alice, gone.id));
    assert.equal(await connect(rt.url(), { Authorization: `Bearer ${gone.key}` }).refused, 401);
    assert.equal(await connect(rt.url(), { Authorization: `Bearer pwk_${"B".repeat(43)}` }).refused, 401);
  });
});
