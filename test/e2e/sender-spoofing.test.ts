// Sender spoofing through duplicated header fields: a message that leaves Postwire has exactly
// one From (RFC 5322 §3.6), and it belongs to the authenticated account. Real clients: python3
// smtplib on the submission port, HTTP requests to the webapi, and a real SMTP server standing
// in for the next hop, which sees what actually leaves.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { count } from "drizzle-orm";
import { schema } from "../../src/db/index.js";
import { startTestMx, type TestMx } from "../../src/delivery/test-mx.js";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { smtplibSend } from "../helpers/smtp-client.js";

const basic = "Basic " + Buffer.from(`alice@example.test:${testPassword}`).toString("base64");

describe("sender spoofing through duplicated header fields", () => {
  let app: TestApp;
  let relay: TestMx;
  before(async () => {
    relay = await startTestMx({});
    app = await startTestApp({ config: { delivery: { smarthost: `127.0.0.1:${relay.port}` } } });
  });
  after(async () => {
    await app?.cleanup();
    await relay?.close();
  });

  const queued = async () => (await app.database.db.select({ n: count() }).from(schema.outboundMessages))[0]!.n;

  function submit(message: string) {
    return smtplibSend({
      port: app.ports.submission!,
      login: ["alice@example.test", testPassword],
      from: "alice@example.test",
      to: ["someone@remote.test"],
      message,
    });
  }

  async function send(req: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
    const r = await fetch(`http://127.0.0.1:${app.ports.http}/webapi/v0/Send`, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: JSON.stringify(req) }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  }

  /** The header fields named `name` of the last message the next hop received. */
  async function relayed(name: string, n: number): Promise<string[]> {
    const deadline = Date.now() + 20_000;
    while (relay.transactions.length < n) {
      if (Date.now() > deadline) assert.fail(`only ${relay.transactions.length} messages relayed, waiting for ${n}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const raw = relay.transactions[n - 1]!.data.toString("latin1");
    const head = raw.slice(0, raw.indexOf("\r\n\r\n") + 2);
    return head.split(/\r\n(?![ \t])/).filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  }

  it("SMTP submission with two From fields, the first naming another account, is refused with 550 5.6.0 and nothing is queued", async () => {
    const before = await queued();
    for (const order of [
      ["From: bob@example.test", "From: alice@example.test"],
      ["From: alice@example.test", "From: bob@example.test"],
      ["From: alice@example.test", "From: alice@example.test"],
    ]) {
      const r = await submit(`${order.join("\r\n")}\r\nTo: someone@remote.test\r\nSubject: spoof\r\n\r\nhi\r\n`);
      assert.equal(r.status, 3, r.out);
      assert.match(r.out, /ERR 550 5\.6\.0 message has 2 from header fields/);
    }
    assert.equal(await queued(), before);
  });

  it("SMTP submission with a duplicated Sender, To, Subject, Date or Message-ID is refused; none is missing From", async () => {
    const before = await queued();
    for (const dup of ["Sender: a@example.test\r\nSender: b@example.test", "To: a@remote.test\r\nTo: b@remote.test", "Subject: a\r\nSubject: b", "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nDate: Tue, 2 Jan 2024 00:00:00 +0000", "Message-ID: <a@x>\r\nMessage-ID: <b@x>", "Reply-To: a@x.test\r\nReply-To: b@x.test"]) {
      const r = await submit(`From: alice@example.test\r\n${dup}\r\n\r\nhi\r\n`);
      assert.equal(r.status, 3, `${dup}: ${r.out}`);
      assert.match(r.out, /ERR 550 5\.6\.0 message has 2 [a-z-]+ header fields/, dup);
    }
    const none = await submit("To: someone@remote.test\r\nSubject: no from\r\n\r\nhi\r\n");
    assert.match(none.out, /ERR 550 5\.6\.0 message has no From header/);
    assert.equal(await queued(), before);
  });

  it("an SMTP submission with one From of the account is relayed with exactly that one From", async () => {
    const n = relay.transactions.length;
    const r = await submit("From: Alice <alice@example.test>\r\nSender: sales@example.test\r\nTo: someone@remote.test\r\nSubject: fine\r\n\r\nhi\r\n");
    assert.equal(r.status, 0, r.out);
    assert.deepEqual(await relayed("From", n + 1), ["From: Alice <alice@example.test>"]);
  });

  it("webapi Send refuses Headers entries for the fields the composer owns (user), and queues nothing", async () => {
    const before = await queued();
    const owned = ["From", "sender", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-Id", "References", "In-Reply-To", "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Return-Path", "DKIM-Signature", "Received"];
    for (const name of owned) {
      const r = await send({ To: [{ Address: "someone@remote.test" }], Text: "hi", Headers: [[name, name === "From" ? "bob@example.test" : "x"]] });
      assert.equal(r.status, 400, name);
      assert.equal(r.body.Code, "user", name);
      assert.match(String(r.body.Message), /not allowed in Headers/, name);
    }
    assert.equal(await queued(), before);
  });

  it("webapi Send with other Headers is relayed with one From, one To and one Subject", async () => {
    const n = relay.transactions.length;
    const r = await send({ To: [{ Address: "someone@remote.test" }], Subject: "s", Text: "hi", Headers: [["X-Custom", "1"], ["List-Unsubscribe", "<mailto:u@example.test>"]] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const f of ["From", "To", "Subject"]) assert.equal((await relayed(f, n + 1)).length, 1, f);
    assert.deepEqual(await relayed("X-Custom", n + 1), ["X-Custom: 1"]);
  });
});
