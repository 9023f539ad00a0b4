// delivery.smarthost: the app in serve mode (no target override) hands every outgoing message
// to one host:port, a real SMTP server on loopback, whatever the recipient domain; the
// recipient domains have no DNS at all. A 5xx from the smarthost fails the message with a DSN
// as a 5xx from an MX does. Mail to the domains hosted here never goes to the smarthost.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { schema } from "../../src/db/index.js";
import type { OutboundMessage } from "../../src/delivery/index.js";
import { startTestMx, type TestMx } from "../../src/delivery/test-mx.js";
import { createStaticResolver } from "../../src/dns/index.js";
import { listMessages } from "../../src/store/index.js";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { RawSmtp } from "../helpers/smtp-client.js";

const basic = "Basic " + Buffer.from(`alice@example.test:${testPassword}`).toString("base64");

async function send(app: TestApp, req: Record<string, unknown>): Promise<number[]> {
  const r = await fetch(`http://127.0.0.1:${app.ports.http}/webapi/v0/Send`, {
    method: "POST",
    headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ request: JSON.stringify(req) }),
  });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return (JSON.parse(text) as { Submissions: { QueueMsgID: number }[] }).Submissions.map((s) => s.QueueMsgID);
}

/** Waits until every message has left the queue (delivered or failed). */
async function settled(app: TestApp, ids: number[], timeoutMs = 20_000): Promise<OutboundMessage[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await app.delivery.admin.list({ ids });
    if (list.length === ids.length && list.every((m) => m.status !== "queued")) return list;
    if (Date.now() > deadline) assert.fail(`not settled: ${JSON.stringify(list.map((m) => [m.id, m.status, m.results]))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const host of ["127.0.0.1", "relay.smarthost.test"]) {
  describe(`delivery.smarthost ${host}:port`, () => {
    let app: TestApp;
    let relay: TestMx;
    before(async () => {
      relay = await startTestMx({
        rcptTo: (rcpt) => (rcpt.startsWith("refused") ? { code: 550, text: "5.1.1 no such user here" } : null),
      });
      app = await startTestApp({
        config: { delivery: { smarthost: `${host}:${relay.port}` }, queue: { timeScale: 1000 } },
        // No MX or address records for any recipient domain; only the smarthost's name resolves.
        overrides: { resolver: createStaticResolver({ "relay.smarthost.test": { A: ["127.0.0.1"] } }) },
      });
    });
    after(async () => {
      await app?.cleanup();
      await relay?.close();
    });

    it("delivers a webapi Send to the smarthost (envelope and bytes)", async () => {
      const before = relay.transactions.length;
      const ids = await send(app, {
        To: [{ Address: "friend@nodns.invalid" }, { Address: "other@elsewhere.invalid" }],
        Subject: "via smarthost",
        Text: "smarthost body line\n",
      });
      const done = await settled(app, ids);
      assert.deepEqual(done.map((m) => m.status), ["delivered", "delivered"]);
      const got = relay.transactions.slice(before);
      assert.deepEqual(got.map((t) => t.mailFrom), got.map(() => "alice@example.test"));
      assert.deepEqual(got.flatMap((t) => t.rcptTo).sort(), ["friend@nodns.invalid", "other@elsewhere.invalid"]);
      for (const t of got) {
        const text = t.data.toString();
        assert.match(text, /^Subject: via smarthost\r$/m);
        assert.match(text, /^To: <?friend@nodns\.invalid>?(, <?other@elsewhere\.invalid>?)?\r$/m);
        assert.match(text, /smarthost body line\r\n/);
      }
    });

    it("delivers an authenticated submission to the smarthost unchanged", async () => {
      const before = relay.transactions.length;
      const c = await RawSmtp.open(app.ports.submission!);
      assert.match(await c.reply(), /^220 /);
      assert.match(await c.cmd("EHLO client.test"), /^250/);
      const plain = Buffer.from(`\0alice@example.test\0${testPassword}`).toString("base64");
      assert.match(await c.cmd(`AUTH PLAIN ${plain}`), /^235/);
      assert.match(await c.cmd("MAIL FROM:<alice@example.test>"), /^250/);
      assert.match(await c.cmd("RCPT TO:<someone@nodns.invalid>"), /^250/);
      assert.match(await c.cmd("DATA"), /^354/);
      const body = "From: alice@example.test\r\nTo: someone@nodns.invalid\r\nSubject: submitted via smarthost\r\nMessage-ID: <sh-1@example.test>\r\n\r\nexact body\r\n";
      assert.match(await c.cmd(`${body}.`), /^250/);
      await c.cmd("QUIT");
      const deadline = Date.now() + 20_000;
      while (relay.transactions.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const t = relay.transactions[before];
      assert.ok(t, "the smarthost got the submission");
      assert.equal(t.mailFrom, "alice@example.test");
      assert.deepEqual(t.rcptTo, ["someone@nodns.invalid"]);
      // Received and DKIM headers may be added on top; the submitted message follows unchanged.
      assert.ok(t.data.toString().endsWith(body), t.data.toString());
    });

    it("delivers mail to a hosted domain here, never to the smarthost", async () => {
      const before = relay.transactions.length;
      const ids = await send(app, { To: [{ Address: "bob@example.test" }, { Address: "carol@other.test" }], Subject: "stays here", Text: "local body\n" });
      const done = await settled(app, ids);
      assert.deepEqual(done.map((m) => m.status), ["delivered", "delivered"]);
      for (const name of ["bob", "carol"]) {
        const [acc] = await app.database.db.select().from(schema.accounts).where(eq(schema.accounts.name, name));
        const inbox = await listMessages(app.database.db, { accountId: acc!.id, mailboxName: "Inbox", limit: 100, oldestFirst: true });
        assert.ok(inbox.some((x) => x.raw.toString().includes("Subject: stays here")), `in ${name}'s Inbox`);
      }
      // A later message to an outside domain still goes to the smarthost; nothing else reached it.
      await settled(app, await send(app, { To: [{ Address: "after@nodns.invalid" }], Subject: "after", Text: "x\n" }));
      assert.deepEqual(relay.transactions.slice(before).flatMap((t) => t.rcptTo), ["after@nodns.invalid"]);
    });

    it("fails with a DSN when the smarthost answers 5xx", async () => {
      const [id] = await send(app, { To: [{ Address: "refused@nodns.invalid" }], Subject: "refused by smarthost", Text: "x\n" });
      const [m] = await settled(app, [id!]);
      assert.equal(m!.status, "failed");
      const last = m!.results.at(-1)!;
      assert.equal(last.code, 550);
      const [alice] = await app.database.db.select().from(schema.accounts).where(eq(schema.accounts.name, "alice"));
      const deadline = Date.now() + 20_000;
      for (;;) {
        const inbox = await listMessages(app.database.db, { accountId: alice!.id, mailboxName: "Inbox", limit: 100, oldestFirst: true });
        const dsn = inbox.find((x) => x.isDsn && x.raw.toString().includes("refused@nodns.invalid"));
        if (dsn) {
          assert.match(dsn.raw.toString(), /no such user here/);
          break;
        }
        if (Date.now() > deadline) assert.fail("no DSN in the Inbox");
        await new Promise((r) => setTimeout(r, 50));
      }
    });
  });
}
