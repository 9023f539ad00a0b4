// Transport security and session deadlines on the SMTP listeners (issue 7): AUTH is never
// offered before TLS outside localserve, STARTTLS uses the configured certificate, a SIGHUP-style
// reload switches certificates for new sessions without dropping open ones, and a client
// trickling bytes cannot keep a slot past the command deadline.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connect as tlsConnect } from "node:tls";
import selfsigned from "selfsigned";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { RawSmtp } from "../helpers/smtp-client.js";

async function makeCert(cn: string) {
  const p = await selfsigned.generate([{ name: "commonName", value: cn }], { keySize: 2048, algorithm: "sha256" });
  return { key: p.private, cert: p.cert, fingerprint: p.fingerprint };
}

/** Runs STARTTLS on a raw session and returns the peer certificate's common name. */
async function starttlsPeerName(port: number): Promise<string> {
  const c = await RawSmtp.open(port);
  await c.reply();
  await c.cmd("EHLO client.test");
  assert.match(await c.cmd("STARTTLS"), /^220 /);
  const s = tlsConnect({ socket: c.socket, rejectUnauthorized: false, servername: "localhost" });
  await new Promise<void>((resolve, reject) => {
    s.once("secureConnect", resolve);
    s.once("error", reject);
  });
  const cn = String(s.getPeerCertificate().subject?.CN ?? "");
  s.destroy();
  return cn;
}

describe("SMTP TLS, AUTH before TLS, deadlines", () => {
  let app: TestApp;
  let dir: string;
  before(async () => {
    const first = await makeCert("first.example.test");
    app = await startTestApp({
      config: { smtp: { mx: { host: "127.0.0.1", port: 0 }, submission: { host: "127.0.0.1", port: 0, allowInsecureAuth: false }, submissions: { enabled: false }, commandTimeout: "2s", maxMessageSize: 100000 } },
      beforeStart: (d) => {
        writeFileSync(join(d, "tls.crt"), first.cert);
        writeFileSync(join(d, "tls.key"), first.key);
        return { smtp: { tls: { certFile: join(d, "tls.crt"), keyFile: join(d, "tls.key") } } };
      },
    });
    dir = app.config.dataDir;
  });
  after(async () => app.cleanup());

  it("does not offer AUTH before STARTTLS on submission and refuses it with 538 5.7.11", async () => {
    const c = await RawSmtp.open(app.ports.submission!);
    await c.reply();
    const ehlo = await c.cmd("EHLO client.test");
    assert.match(ehlo, /STARTTLS/);
    assert.doesNotMatch(ehlo, /AUTH/);
    const r = await c.cmd(`AUTH PLAIN ${Buffer.from(`\0alice@example.test\0${testPassword}`).toString("base64")}`);
    assert.equal(r, "538 5.7.11 encryption required for requested authentication mechanism");
    c.close();
  });

  it("serves the configured certificate and reloads it for new sessions only", async () => {
    const second = await makeCert("second.example.test");
    assert.equal(await starttlsPeerName(app.ports.submission!), "first.example.test");
    const open = await RawSmtp.open(app.ports.smtp!);
    await open.reply();
    writeFileSync(join(dir, "tls.crt"), second.cert);
    writeFileSync(join(dir, "tls.key"), second.key);
    app.reloadTls();
    assert.equal(await starttlsPeerName(app.ports.submission!), "second.example.test");
    assert.match(await open.cmd("EHLO still.here"), /^250/, "a session opened before the reload goes on");
    open.close();
  });

  it("cuts a client trickling a command past the deadline while others still get their 250", async () => {
    const warm = await RawSmtp.open(app.ports.smtp!); // first message starts the parser workers
    await warm.reply();
    await warm.cmd("EHLO warm.test");
    await warm.cmd("MAIL FROM:<a@remote.test>");
    await warm.cmd("RCPT TO:<alice@example.test>");
    await warm.cmd("DATA");
    warm.write("Subject: warm\r\n\r\nhi\r\n.\r\n");
    assert.match(await warm.reply(60_000), /^250 /);
    warm.close();
    const slow = await RawSmtp.open(app.ports.smtp!);
    await slow.reply();
    await slow.cmd("EHLO slow.test");
    const started = Date.now();
    const trickle = setInterval(() => !slow.closed && slow.write("M"), 300);
    const fast = await RawSmtp.open(app.ports.smtp!);
    await fast.reply();
    await fast.cmd("EHLO fast.test");
    await fast.cmd("MAIL FROM:<a@remote.test>");
    await fast.cmd("RCPT TO:<alice@example.test>");
    await fast.cmd("DATA");
    fast.write("Subject: fast\r\n\r\nhi\r\n.\r\n");
    assert.match(await fast.reply(), /^250 /);
    assert.ok(Date.now() - started < 2000, "legitimate client served within 2 s");
    const cut = await slow.reply(10_000);
    clearInterval(trickle);
    assert.match(cut, /^421 4\.4\.2 /);
    assert.ok(Date.now() - started < 6000);
    fast.close();
    slow.close();
  });
});
