// SPF/DKIM/DMARC on the MX end to end (issue 7): remote mail arrives over a real socket from a
// chosen loopback source address, DNS is scripted through the injectable resolver, and the
// results are read back as the stored Authentication-Results header and MessageGet's Meta.
// Cases: signed and aligned; forwarded (body changed, so the DKIM body hash breaks, relayed
// from a host the sender's SPF does not list); misaligned (DKIM d= and SPF of other domains).
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { sql } from "drizzle-orm";
import nodemailer from "nodemailer";
import { schema } from "../../src/db/index.js";
import { createStaticResolver } from "../../src/dns/index.js";
import { dkimTxtRecord, generateDkimKey, type DkimKeyPair } from "../../src/mail-auth/index.js";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { RawSmtp } from "../helpers/smtp-client.js";

const SENDER_IP = "127.0.0.10"; // sender.test's and bulk.test's outgoing host
const FORWARDER_IP = "127.0.0.20"; // a forwarder that keeps the original MAIL FROM (no SRS)

type Meta = { MailFrom: string; MailFromValidated: boolean; MsgFrom: string; MsgFromValidated: boolean; DKIMVerifiedDomains: string[]; RemoteIP: string };

describe("mail authentication on the MX, with scripted DNS", () => {
  let app: TestApp;
  let key: DkimKeyPair;
  before(async () => {
    key = await generateDkimKey();
    const sender = dkimTxtRecord("sel", "sender.test", key);
    const signer = dkimTxtRecord("sel", "other-signer.test", key);
    const resolver = createStaticResolver({
      [sender.name]: { TXT: [sender.value] },
      [signer.name]: { TXT: [signer.value] },
      "sender.test": { TXT: [`v=spf1 ip4:${SENDER_IP} -all`] },
      "mail.sender.test": { TXT: [`v=spf1 ip4:${SENDER_IP} -all`] },
      "_dmarc.sender.test": { TXT: ["v=DMARC1; p=reject"] },
      "bulk.test": { TXT: [`v=spf1 ip4:${SENDER_IP} -all`] },
      "forwarder.test": { TXT: [`v=spf1 ip4:${FORWARDER_IP} -all`] },
    });
    app = await startTestApp({ overrides: { resolver } });
  });
  after(async () => app.cleanup());

  async function signed(o: { signer: string; marker: string }): Promise<string> {
    const transport = nodemailer.createTransport({
      streamTransport: true,
      buffer: true,
      dkim: { domainName: o.signer, keySelector: "sel", privateKey: key.privateKeyPem },
    });
    const info = await transport.sendMail({ from: "Alice <alice@sender.test>", to: "alice@example.test", subject: o.marker, text: `hello ${o.marker}\n` });
    return (info.message as Buffer).toString("latin1").replace(/\r?\n/g, "\r\n");
  }

  /** Delivers `raw` to alice@example.test from `ip`; returns the stored message and MessageGet's Meta. */
  async function deliver(raw: string, o: { ip: string; helo: string; mailFrom: string; marker: string }) {
    const c = await RawSmtp.open(app.ports.smtp!, "127.0.0.1", o.ip);
    assert.match(await c.reply(), /^220 /);
    assert.match(await c.cmd(`EHLO ${o.helo}`), /^250/);
    assert.match(await c.cmd(`MAIL FROM:<${o.mailFrom}>`), /^250 /);
    assert.match(await c.cmd("RCPT TO:<alice@example.test>"), /^250 /);
    assert.match(await c.cmd("DATA"), /^354 /);
    c.write(raw.replace(/^\./gm, "..") + ".\r\n");
    assert.match(await c.reply(30_000), /^250 2\.6\.0 /);
    c.close();
    const [row] = await app.database.db
      .select({ id: schema.messages.id, raw: schema.messages.raw })
      .from(schema.messages)
      .where(sql`position(${Buffer.from(o.marker)}::bytea in ${schema.messages.raw}) > 0`);
    assert.ok(row, "stored");
    const text = row.raw.toString("latin1");
    const ar = /^Authentication-Results: [^\r\n]*(?:\r\n[ \t][^\r\n]*)*/m.exec(text)?.[0] ?? "";
    const got = await messageGet(app.ports.http!, row.id);
    // Prepended to the header section, above the sender's own fields.
    const prepended = text.indexOf("Authentication-Results:") >= 0 && text.indexOf("Authentication-Results:") < text.indexOf("DKIM-Signature:");
    return { ar: ar.replace(/\r\n[ \t]+/g, " "), prepended, meta: got.Meta };
  }

  it("a signed, aligned message: dkim, spf and dmarc pass; DKIMVerifiedDomains set", async () => {
    const marker = "aligned-7c1";
    const r = await deliver(await signed({ signer: "sender.test", marker }), { ip: SENDER_IP, helo: "mail.sender.test", mailFrom: "bounces@sender.test", marker });
    assert.ok(r.prepended, "Authentication-Results is prepended");
    assert.match(r.ar, /^Authentication-Results: mx\.example\.test;/);
    assert.match(r.ar, /dkim=pass header\.i=@sender\.test header\.s=sel/);
    assert.match(r.ar, /spf=pass [^;]*smtp\.mailfrom=bounces@sender\.test/);
    assert.match(r.ar, /dmarc=pass \(p=REJECT\) header\.from=sender\.test/);
    const { MailFrom, MailFromValidated, MsgFrom, MsgFromValidated, DKIMVerifiedDomains, RemoteIP } = r.meta;
    assert.deepEqual(
      { MailFrom, MailFromValidated, MsgFrom, MsgFromValidated, DKIMVerifiedDomains, RemoteIP },
      { MailFrom: "bounces@sender.test", MailFromValidated: true, MsgFrom: "alice@sender.test", MsgFromValidated: true, DKIMVerifiedDomains: ["sender.test"], RemoteIP: SENDER_IP },
    );
  });

  it("a forwarded message with a changed body: dkim fails (body hash), dmarc fails, nothing validated", async () => {
    const marker = "forwarded-7c2";
    const original = await signed({ signer: "sender.test", marker });
    const forwarded = original.replace(/\r\n$/, "\r\n-- \r\nsent through the list\r\n");
    const r = await deliver(forwarded, { ip: FORWARDER_IP, helo: "relay.forwarder.test", mailFrom: "bounces@sender.test", marker });
    assert.match(r.ar, /dkim=fail \([^)]*body hash[^)]*\) header\.i=@sender\.test header\.s=sel/);
    assert.match(r.ar, /spf=fail [^;]*smtp\.mailfrom=bounces@sender\.test/);
    assert.match(r.ar, /dmarc=fail \(p=REJECT\) header\.from=sender\.test/);
    assert.equal(r.meta.MailFromValidated, false);
    assert.equal(r.meta.MsgFromValidated, false);
    assert.deepEqual(r.meta.DKIMVerifiedDomains, []);
    assert.equal(r.meta.RemoteIP, FORWARDER_IP);
  });

  it("a misaligned message (DKIM d= and SPF of other domains than From): dmarc fails, From unverified", async () => {
    const marker = "misaligned-7c3";
    const r = await deliver(await signed({ signer: "other-signer.test", marker }), { ip: SENDER_IP, helo: "mail.sender.test", mailFrom: "bounces@bulk.test", marker });
    assert.match(r.ar, /dkim=pass header\.i=@other-signer\.test header\.s=sel/);
    assert.match(r.ar, /spf=pass [^;]*smtp\.mailfrom=bounces@bulk\.test/);
    assert.match(r.ar, /dmarc=fail \(p=REJECT\) header\.from=sender\.test/);
    assert.equal(r.meta.MailFromValidated, true, "SPF passed for the MAIL FROM domain itself");
    assert.equal(r.meta.MsgFromValidated, false, "but nothing aligned with From");
    assert.deepEqual(r.meta.DKIMVerifiedDomains, ["other-signer.test"]);
  });
});

/** MessageGet through the webapi, as alice. */
function messageGet(port: number, id: number): Promise<{ Meta: Meta }> {
  return new Promise((resolve, reject) => {
    const body = `request=${encodeURIComponent(JSON.stringify({ MsgID: id }))}`;
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/webapi/v0/MessageGet",
        headers: {
          Authorization: `Basic ${Buffer.from(`alice@example.test:${testPassword}`).toString("base64")}`,
          "Content-Type": "application/x-www-form-urlencoded",
          "Content-Length": Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(text) as { Meta: Meta }) : reject(new Error(`${res.statusCode} ${text}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
