// Issue 15's sender features against a real `postwire localserve` process over HTTP (PGlite, or
// PostgreSQL when TEST_DATABASE_URL is set): Send's IdempotencyKey answers a repeat, also two at
// once and after a restart, with the first answer and one queue entry.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLocalserveProc, type ServerProc } from "../helpers/proc.js";

describe("sender features in localserve", () => {
  let p: ServerProc;
  before(async () => (p = await startLocalserveProc()));
  after(async () => p.cleanup());

  const call = async (method: string, request: unknown) => {
    const r = await fetch(`http://127.0.0.1:${p.ports.http}/webapi/v0/${method}`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from("mox@localhost:moxmoxmox").toString("base64")}`, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: JSON.stringify(request) }),
    });
    return { status: r.status, text: await r.text() };
  };
  const queued = async (address: string) => JSON.parse((await call("QueueList", { Address: address })).text).Messages.length as number;
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  const req = (to: string, key: string) => ({ To: [{ Address: to }], Subject: "once", Text: "hi\n", FutureRelease: tomorrow, IdempotencyKey: key });

  it("answers repeats of an IdempotencyKey, concurrent ones and ones after a restart, with one queue entry", async () => {
    const first = await call("Send", req("once@example.org", "invoice-42"));
    assert.equal(first.status, 200, first.text);
    assert.equal((await call("Send", req("once@example.org", "invoice-42"))).text, first.text);

    const both = await Promise.all([call("Send", req("twice@example.org", "invoice-43")), call("Send", req("twice@example.org", "invoice-43"))]);
    assert.deepEqual(both.map((b) => b.status), [200, 200]);
    assert.equal(both[0]!.text, both[1]!.text);
    assert.equal(await queued("twice@example.org"), 1);

    await p.stop();
    await p.restart();
    const afterRestart = await call("Send", req("once@example.org", "invoice-42"));
    assert.equal(afterRestart.text, first.text, "the key is stored, not in memory");
    assert.equal(await queued("once@example.org"), 1);
    const conflict = await call("Send", req("someone-else@example.org", "invoice-42"));
    assert.equal(conflict.status, 400);
    assert.equal(JSON.parse(conflict.text).Code, "idempotencyConflict");
    assert.equal(await queued("someone-else@example.org"), 0);
  });
});
