// End to end through real SMTP: a message received on the MX listener is readable through
// MessageWait, MessageGet, MessageRawGet and MessagePartGet with byte-exact parts; and a webapi
// Send delivered by the queue to that MX comes back as the received copy (the README session).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import nodemailer from "nodemailer";
import { startListener, type RecipientResolver, type SmtpListener } from "../inbound/index.js";
import { findAddressOwner, getDomain } from "../store/index.js";
import { basic, pw0, startApiEnv, toRes, type ApiEnv } from "./test-env.js";

describe("webapi with SMTP in and out", () => {
  let env: ApiEnv;
  let mx: SmtpListener;
  let mxPort = 0;
  before(async () => {
    env = await startApiEnv({}, { delivery: { target: async () => [{ host: "127.0.0.1", port: mxPort }] } });
    const db = env.t.database.db;
    const resolveRecipient: RecipientResolver = async (address) => {
      const domain = await getDomain(db, address.slice(address.lastIndexOf("@") + 1));
      if (!domain) return "unknownDomain";
      const owner = await findAddressOwner(db, address);
      return owner ? { accountId: owner.account.id, address: owner.address, rcptTo: address } : "unknownUser";
    };
    mx = await startListener(
      {
        database: env.t.database,
        log: env.deps.log,
        clock: env.clock,
        eventLog: env.eventLog,
        limiter: env.limiter,
        hostname: "mox.example",
        limits: { maxMessageSize: 10 << 20, maxRecipients: 100, maxConnectionsPerIp: 20, maxConnections: 100, commandTimeoutMs: 30_000, sessionTimeoutMs: 60_000, commitTimeoutMs: 30_000, greetPauseMs: 0 },
        resolveRecipient,
      },
      { kind: "mx", host: "127.0.0.1", port: 0, tls: () => null },
    );
    mxPort = mx.port;
    await env.delivery.start();
  });
  after(async () => {
    await mx.close();
    await env.close();
  });

  const bytes = (method: string, req: unknown) =>
    env.fetch(`/webapi/v0/${method}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: basic("mjl@mox.example", pw0) },
      body: new URLSearchParams({ request: JSON.stringify(req) }).toString(),
    });

  it("reads a message received over SMTP byte for byte", async () => {
    const binary = randomBytes(3000);
    const nonce = randomBytes(6).toString("hex");
    const raw = [
      "From: App <app@example.org>",
      "To: mjl+smtp@mox.example",
      `Subject: smtp ${nonce}`,
      `Message-ID: <${nonce}@example.org>`,
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="zz"',
      "",
      "--zz",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 8bit",
      "",
      "grüße, ✓",
      "--zz",
      "Content-Type: application/octet-stream",
      'Content-Disposition: attachment; filename="blob.bin"',
      "Content-Transfer-Encoding: base64",
      "",
      ...(binary.toString("base64").match(/.{1,76}/g) ?? []),
      "--zz--",
      "",
    ].join("\r\n");
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: mx.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ envelope: { from: "app@example.org", to: ["mjl+smtp@mox.example"] }, raw });

    const wait = await env.post("MessageWait", { Address: "mjl+smtp@mox.example", Subject: nonce, Timeout: 30 }, { password: pw0 });
    assert.equal(wait.status, 200, wait.text);
    const id = wait.json.Message.MsgID as number;
    const get = await env.post("MessageGet", { MsgID: id }, { password: pw0 });
    assert.equal(get.json.Message.Subject, `smtp ${nonce}`);
    assert.equal(get.json.Message.Text, "grüße, ✓");
    assert.equal(get.json.Meta.RcptTo, "mjl+smtp@mox.example");
    assert.equal(get.json.Meta.MailFrom, "app@example.org");
    assert.equal(get.json.Meta.RemoteIP, "127.0.0.1");
    assert.equal(get.json.Structure.Parts[1].DecodedSize, binary.length);

    const stored = Buffer.from(await (await bytes("MessageRawGet", { MsgID: id })).arrayBuffer());
    assert.ok(stored.subarray(stored.length - Buffer.byteLength(raw)).equals(Buffer.from(raw)), "sent bytes kept exactly");
    const part = Buffer.from(await (await bytes("MessagePartGet", { MsgID: id, PartPath: [1] })).arrayBuffer());
    assert.ok(part.equals(binary), "attachment decoded byte for byte");
    const text = Buffer.from(await (await bytes("MessagePartGet", { MsgID: id, PartPath: [0] })).arrayBuffer());
    assert.equal(text.toString("utf8"), "grüße, ✓");
  });

  it("delivers a webapi Send to the MX and shows the received copy (README session)", async () => {
    const send = await env.post("Send", { To: [{ Address: "mjl+loop@mox.example" }], Subject: "loop", Text: "hi ☺", SaveSent: true }, { password: pw0 });
    assert.equal(send.status, 200, send.text);
    const wait = await env.post("MessageWait", { Address: "mjl+loop@mox.example", Timeout: 60 }, { password: pw0 });
    assert.equal(wait.status, 200, wait.text);
    assert.ok(wait.json.Message, "the received copy arrived");
    const get = await env.post("MessageGet", { MsgID: wait.json.Message.MsgID }, { password: pw0 });
    assert.equal(get.json.Message.MessageID, send.json.MessageID);
    assert.equal(get.json.Message.Text, "hi ☺\n");
    assert.equal(get.json.Meta.MailboxName, "Inbox");
    const sent = await toRes(await bytes("MessageList", { Mailbox: "Sent" }));
    assert.equal(sent.json.Messages[0].MessageID, send.json.MessageID);
  });
});
