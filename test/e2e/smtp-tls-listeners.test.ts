// TLS on every SMTP listener, checked with python3's ssl/smtplib: the configured certificate is
// the one served (MX STARTTLS, 587 STARTTLS, 465 implicit), SNI picks a per-name certificate, a
// reload serves the replaced files, AUTH is refused before TLS on every port (538 5.7.11), an
// authorization identity other than the login is refused (535 5.7.8), and a configuration that
// would need a certificate it does not have stops the start with the field's name.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { RawSmtp } from "../helpers/smtp-client.js";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { fingerprintOf, makeCert, probeSmtp } from "../helpers/tls-probe.js";

const alice = { user: "alice@example.test", password: testPassword };

describe("SMTP listeners serve the configured certificates", () => {
  let app: TestApp;
  let dir: string;
  let main: { key: string; cert: string };
  let other: { key: string; cert: string };
  before(async () => {
    [main, other] = await Promise.all([makeCert("mx.example.test"), makeCert("mail.other.test")]);
    app = await startTestApp({
      config: { smtp: { submission: { allowInsecureAuth: false }, submissions: { enabled: true } } },
      beforeStart: (d) => {
        writeFileSync(join(d, "main.crt"), main.cert);
        writeFileSync(join(d, "main.key"), main.key);
        writeFileSync(join(d, "other.crt"), other.cert);
        writeFileSync(join(d, "other.key"), other.key);
        const f = (n: string) => ({ certFile: join(d, `${n}.crt`), keyFile: join(d, `${n}.key`) });
        return { smtp: { tls: { ...f("main"), sni: [{ names: ["Mail.Other.Test"], ...f("other") }] } } };
      },
    });
    dir = app.config.dataDir;
  });
  after(async () => app?.cleanup());

  it("MX offers STARTTLS with the configured certificate, REQUIRETLS once encrypted, never AUTH", async () => {
    const r = await probeSmtp({ port: app.ports.smtp!, mode: "starttls" });
    assert.equal(r.error, undefined);
    assert.equal(r.fingerprint, fingerprintOf(main.cert));
    assert.match(r.tlsVersion, /^TLSv1\.[23]$/);
    assert.match(r.ehlo, /REQUIRETLS/);
    assert.doesNotMatch(r.ehlo, /AUTH/);
  });

  it("SNI picks the per-name certificate on 587 and 465; other names get the default", async () => {
    const sni587 = await probeSmtp({ port: app.ports.submission!, mode: "starttls", servername: "mail.other.test" });
    assert.equal(sni587.fingerprint, fingerprintOf(other.cert));
    const sni465 = await probeSmtp({ port: app.ports.submissions!, mode: "implicit", servername: "mail.other.test" });
    assert.equal(sni465.fingerprint, fingerprintOf(other.cert));
    const unknown = await probeSmtp({ port: app.ports.submissions!, mode: "implicit", servername: "unknown.example" });
    assert.equal(unknown.fingerprint, fingerprintOf(main.cert));
    const none = await probeSmtp({ port: app.ports.submission!, mode: "starttls" });
    assert.equal(none.fingerprint, fingerprintOf(main.cert));
  });

  it("587 in plaintext: AUTH is not offered and is refused with 538 5.7.11", async () => {
    const r = await probeSmtp({ port: app.ports.submission!, mode: "plain", auth: alice });
    assert.match(r.ehlo, /STARTTLS/);
    assert.doesNotMatch(r.ehlo, /AUTH/);
    assert.deepEqual(r.auth, [538, "5.7.11 encryption required for requested authentication mechanism"]);
  });

  it("587 after STARTTLS and 465: AUTH succeeds, and a foreign authorization identity is refused", async () => {
    const starttls = await probeSmtp({ port: app.ports.submission!, mode: "starttls", auth: alice });
    assert.match(starttls.ehlo, /AUTH PLAIN LOGIN/);
    assert.equal(starttls.auth?.[0], 235);
    const implicit = await probeSmtp({ port: app.ports.submissions!, mode: "implicit", auth: alice });
    assert.equal(implicit.fingerprint, fingerprintOf(main.cert));
    assert.equal(implicit.auth?.[0], 235);
    for (const [mode, port] of [["starttls", app.ports.submission!], ["implicit", app.ports.submissions!]] as const) {
      const r = await probeSmtp({ port, mode, auth: { ...alice, authzid: "bob@example.test" } });
      assert.deepEqual(r.auth, [535, "5.7.8 authorization identity must be empty or the login itself; acting as another user is not supported"], mode);
    }
    const same = await probeSmtp({ port: app.ports.submissions!, mode: "implicit", auth: { ...alice, authzid: "Alice@Example.test" } });
    assert.equal(same.auth?.[0], 235, "an authorization identity equal to the login is fine");
  });

  it("a reload serves the replaced certificate files on every listener", async () => {
    const next = await makeCert("mx.example.test");
    writeFileSync(join(dir, "main.crt"), next.cert);
    writeFileSync(join(dir, "main.key"), next.key);
    app.reloadTls();
    for (const [mode, port] of [["starttls", app.ports.smtp!], ["starttls", app.ports.submission!], ["implicit", app.ports.submissions!]] as const) {
      assert.equal((await probeSmtp({ port, mode })).fingerprint, fingerprintOf(next.cert), `port ${port}`);
    }
    writeFileSync(join(dir, "main.key"), other.key); // a key that does not match: the reload is refused
    app.reloadTls();
    assert.equal((await probeSmtp({ port: app.ports.submissions!, mode: "implicit" })).fingerprint, fingerprintOf(next.cert));
  });
});

describe("SMTP listeners without a certificate", () => {
  it("refuses to start 465 or 587 (without allowInsecureAuth) and names the field", async () => {
    await assert.rejects(startTestApp({ config: { smtp: { submissions: { enabled: true } } } }), /smtp\.submissions: implicit TLS needs a certificate/);
    await assert.rejects(
      startTestApp({ config: { smtp: { submission: { allowInsecureAuth: false } } } }),
      /smtp\.submission: AUTH needs TLS and no certificate is configured/,
    );
    await assert.rejects(
      startTestApp({ config: { smtp: { tls: { certFile: "/nonexistent/cert.pem", keyFile: "/nonexistent/key.pem" } } } }),
      /smtp\.tls\.certFile: reading \/nonexistent\/cert\.pem/,
    );
    await assert.rejects(startTestApp({ config: { smtp: { tls: { certFile: "/nonexistent/cert.pem" } } } }), /smtp\.tls: certFile and keyFile go together/);
  });

  it("refuses AUTH in clear text and STARTTLS (no built-in certificate) even when started without the check", async () => {
    const app = await startTestApp({ config: { smtp: { submission: { allowInsecureAuth: false } } }, overrides: { tls: () => null } });
    try {
      const r = await probeSmtp({ port: app.ports.submission!, mode: "plain", auth: alice });
      assert.doesNotMatch(r.ehlo, /AUTH|STARTTLS/);
      assert.deepEqual(r.auth, [538, "5.7.11 encryption required for requested authentication mechanism"]);
      for (const port of [app.ports.smtp!, app.ports.submission!]) {
        const c = await RawSmtp.open(port);
        await c.reply();
        await c.cmd("EHLO probe.example");
        assert.match(await c.cmd("STARTTLS"), /^5\d\d /, "STARTTLS is not accepted without a certificate");
        c.close();
      }
    } finally {
      await app.cleanup();
    }
  });

  it("allowInsecureAuth lets submission take AUTH in clear text (and offers it)", async () => {
    const app = await startTestApp({ config: { smtp: { submission: { allowInsecureAuth: true } } } });
    try {
      const r = await probeSmtp({ port: app.ports.submission!, mode: "plain", auth: alice });
      assert.match(r.ehlo, /AUTH PLAIN LOGIN/);
      assert.equal(r.auth?.[0], 235);
    } finally {
      await app.cleanup();
    }
  });
});
