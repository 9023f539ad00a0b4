// Trace fields: every message accepted on an SMTP listener gets our Received field (RFC 5321
// §4.4) with the client's name and address, the protocol per RFC 3848 (ESMTP, ESMTPS, ESMTPSA),
// the TLS version and cipher, the session id, the single recipient and the time; stored copies
// also get Return-Path and Delivered-To (as mox writes at local delivery); relayed mail leaves
// with our Received on top. The client's bytes follow unchanged.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestMx, type TestMx } from "../../src/delivery/test-mx.js";
import { listMessages } from "../../src/store/index.js";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { RawSmtp, smtplibSend } from "../helpers/smtp-client.js";
import { makeCert } from "../helpers/tls-probe.js";

const date = String.raw`\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000`;
// Received-SPF and Authentication-Results (mail-auth) sit between the delivery fields and Received.
const authFields = String.raw`(?:Received-SPF|Authentication-Results): [^\r]*\r\n(?:[ \t][^\r]*\r\n)*`;

describe("Received, Return-Path and Delivered-To", () => {
  let app: TestApp;
  let relay: TestMx;
  before(async () => {
    const cert = await makeCert("mx.example.test");
    relay = await startTestMx({});
    app = await startTestApp({
      config: { delivery: { smarthost: `127.0.0.1:${relay.port}` }, queue: { timeScale: 1000 } },
      beforeStart: (d) => {
        writeFileSync(join(d, "tls.crt"), cert.cert);
        writeFileSync(join(d, "tls.key"), cert.key);
        return { smtp: { tls: { certFile: join(d, "tls.crt"), keyFile: join(d, "tls.key") } } };
      },
    });
  });
  after(async () => {
    await app?.cleanup();
    await relay?.close();
  });

  async function stored(accountName: string, subject: string): Promise<string> {
    const [acc] = await app.database.db.query.accounts.findMany({ where: (a, { eq }) => eq(a.name, accountName) });
    const list = await listMessages(app.database.db, { accountId: acc!.id, mailboxName: "Inbox", limit: 100 });
    const m = list.find((x) => x.subject === subject);
    assert.ok(m, `${accountName} has "${subject}"`);
    return m.raw.toString("latin1");
  }

  it("MX over STARTTLS: Return-Path, Delivered-To, then Received with ESMTPS, the cipher and the recipient", async () => {
    const message = "From: sender@remote.test\r\nTo: alice@example.test\r\nSubject: trace tls\r\n\r\nbody\r\n";
    const t0 = Date.now();
    const r = await smtplibSend({ port: app.ports.smtp!, starttls: true, from: "sender@remote.test", to: ["alice@example.test"], message });
    assert.equal(r.status, 0, r.out);
    const raw = await stored("alice", "trace tls");
    const m = new RegExp(
      String.raw`^Return-Path: <sender@remote\.test>\r\nDelivered-To: alice@example\.test\r\n(?:${authFields})*` +
        String.raw`Received: from client\.example \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.test with ESMTPS \((TLSv1\.[23]) (TLS_\w+)\) id ([\w.-]+)\r\n\tfor <alice@example\.test>;\r\n\t(${date})\r\n`,
    ).exec(raw);
    assert.ok(m, raw);
    const when = Date.parse(m[4]!);
    assert.ok(when >= Math.floor(t0 / 1000) * 1000 && when <= Date.now(), `date ${m[4]}`);
    assert.ok(raw.endsWith(message), "the client's bytes follow unchanged");
  });

  it("MX in plaintext with two recipients: one copy each with its Delivered-To, Received without a recipient", async () => {
    const c = await RawSmtp.open(app.ports.smtp!);
    await c.reply();
    await c.cmd("EHLO plain.example");
    await c.cmd("MAIL FROM:<>");
    await c.cmd("RCPT TO:<alice@example.test>");
    await c.cmd("RCPT TO:<bob@example.test>");
    await c.cmd("DATA");
    const message = "From: mailer@remote.test\r\nSubject: trace two\r\n\r\nbody\r\n";
    assert.match(await c.cmd(`${message}.`), /^250 /);
    // HELO (RFC 821 client) gets plain SMTP; a name that is not a domain is replaced by the address.
    await c.cmd("RSET");
    assert.match(await c.cmd("HELO not_a(domain)"), /^250/);
    await c.cmd("MAIL FROM:<x@remote.test>");
    await c.cmd("RCPT TO:<alice@example.test>");
    await c.cmd("DATA");
    assert.match(await c.cmd("Subject: trace helo\r\n\r\nx\r\n."), /^250 /);
    c.close();
    for (const who of ["alice", "bob"]) {
      const raw = await stored(who, "trace two");
      assert.match(
        raw,
        new RegExp(
          String.raw`^Return-Path: <>\r\nDelivered-To: ${who}@example\.test\r\n(?:${authFields})*Received: from plain\.example \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.test with ESMTP id [\w.-]+;\r\n\t${date}\r\n`,
        ),
      );
      assert.ok(raw.endsWith(message));
    }
    assert.match(await stored("alice", "trace helo"), /\r\nReceived: from \[127\.0\.0\.1\] \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.test with SMTP id /);
  });

  it("submission after STARTTLS and AUTH: relayed mail carries our Received with ESMTPSA on top, without the client's address", async () => {
    const before = relay.transactions.length;
    const message = "From: alice@example.test\r\nTo: someone@nodns.invalid\r\nSubject: trace relay\r\nMessage-ID: <tr-1@example.test>\r\nDate: Sun, 06 Dec 2026 04:00:00 +0000\r\n\r\nrelayed\r\n";
    const r = await smtplibSend({
      port: app.ports.submission!,
      starttls: true,
      login: ["alice@example.test", testPassword],
      from: "alice@example.test",
      to: ["someone@nodns.invalid"],
      message,
    });
    assert.equal(r.status, 0, r.out);
    const deadline = Date.now() + 20_000;
    while (relay.transactions.length === before && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    const data = relay.transactions[before]?.data.toString("latin1") ?? "";
    const start = data.indexOf("Received: ");
    assert.ok(start >= 0, data);
    assert.match(
      data.slice(start),
      new RegExp(
        String.raw`^Received: from mx\.example\.test\r\n\tby mx\.example\.test with ESMTPSA \(TLSv1\.[23] TLS_\w+\) id [\w.-]+\r\n\tfor <someone@nodns\.invalid>;\r\n\t${date}\r\n` +
          "From: alice@example.test\r\n",
      ),
    );
    assert.ok(data.endsWith(message));
    assert.doesNotMatch(data.slice(0, start), /^Received:/m, "nothing but a signature above our Received");
    assert.doesNotMatch(data, /127\.0\.0\.1/, "the submitter's address is not told to recipients");
  });

  it("webapi Send: the queued copy carries our Received (our name, an id, the single recipient)", async () => {
    const send = async (to: string[], subject: string) => {
      const r = await fetch(`http://127.0.0.1:${app.ports.http}/webapi/v0/Send`, {
        method: "POST",
        headers: { authorization: "Basic " + Buffer.from(`alice@example.test:${testPassword}`).toString("base64"), "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ request: JSON.stringify({ To: to.map((Address) => ({ Address })), Subject: subject, Text: "hi\n" }) }),
      });
      assert.equal(r.status, 200, await r.text());
    };
    const before = relay.transactions.length;
    await send(["one@nodns.invalid"], "trace webapi one");
    await send(["two@nodns.invalid", "three@nodns.invalid"], "trace webapi two");
    const deadline = Date.now() + 20_000;
    while (relay.transactions.length < before + 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    const got = relay.transactions.slice(before).map((t) => t.data.toString("latin1"));
    const one = got.find((d) => d.includes("trace webapi one")) ?? "";
    const two = got.find((d) => d.includes("trace webapi two")) ?? "";
    assert.match(one, new RegExp(String.raw`(?:^|\r\n)Received: from mx\.example\.test\r\n\tby mx\.example\.test id [\w-]+\r\n\tfor <one@nodns\.invalid>;\r\n\t${date}\r\n`));
    assert.match(two, new RegExp(String.raw`(?:^|\r\n)Received: from mx\.example\.test\r\n\tby mx\.example\.test id [\w-]+;\r\n\t${date}\r\n`));
  });
});
