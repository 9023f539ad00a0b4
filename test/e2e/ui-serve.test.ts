// The web interface in serve mode over real HTTP: login with an account's password sets a
// session cookie, every POST needs the session's CSRF token and a same-site origin, and no
// page, body, part or action reaches another account's mail.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect } from "node:net";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import { testPassword, startTestApp, type TestApp } from "../helpers/app.js";

describe("ui: serve mode (login, CSRF, account isolation)", () => {
  let app: TestApp;
  let base: string;
  let aliceCookie = "";
  let aliceCsrf = "";

  async function deliver(to: string, subject: string): Promise<void> {
    const t = nodemailer.createTransport({ host: "127.0.0.1", port: app.ports.smtp!, secure: false, ignoreTLS: true });
    await t.sendMail({ from: "sender@remote.test", to, subject, text: `${subject} body`, html: `<p>${subject}</p>`, attachments: [{ filename: "a.txt", content: "x" }] });
    t.close();
  }

  async function get(path: string, cookie = aliceCookie): Promise<Response> {
    return fetch(base + path, { headers: cookie ? { cookie } : {}, redirect: "manual" });
  }

  async function post(path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Response> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of ([] as string[]).concat(v)) body.append(k, x);
    return fetch(base + path, { method: "POST", body, headers: { cookie: aliceCookie, ...headers }, redirect: "manual" });
  }

  async function login(address: string, password: string): Promise<Response> {
    return fetch(base + "/ui/login", { method: "POST", body: new URLSearchParams({ address, password }), redirect: "manual" });
  }

  async function messageIds(cookie = aliceCookie): Promise<number[]> {
    const html = await (await get("/", cookie)).text();
    return [...html.matchAll(/data-id="(\d+)"/g)].map((m) => Number(m[1]));
  }

  before(async () => {
    app = await startTestApp({ config: { smtp: { maxMessageSize: 2_000_000 } } });
    base = `http://127.0.0.1:${app.ports.http}`;
    await deliver("alice@example.test", "for alice one");
    await deliver("alice@example.test", "for alice two");
    await deliver("bob@example.test", "for bob only");
  });
  after(async () => app?.cleanup());

  it("sends a visitor without a session to the login page, and refuses a wrong password", async () => {
    const r = await get("/", "");
    assert.equal(r.status, 303);
    assert.equal(r.headers.get("location"), "/ui/login");
    assert.equal((await get("/ui/rows?mailbox=1&after=0", "")).status, 401);
    const bad = await login("alice@example.test", "wrong");
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get("set-cookie"), null);
    assert.match(await bad.text(), /Wrong address or password/);
    const unknown = await login("nobody@example.test", testPassword);
    assert.equal(unknown.status, 401);
  });

  it("logs in with any address of the account and lists only that account's mail", async () => {
    const r = await login("sales@example.test", testPassword);
    assert.equal(r.status, 303);
    const cookie = r.headers.get("set-cookie") ?? "";
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    aliceCookie = cookie.split(";")[0]!;
    const page = await (await get("/")).text();
    aliceCsrf = /name="postwire-csrf" content="([^"]+)"/.exec(page)![1]!;
    assert.match(page, /for alice one/);
    assert.match(page, /for alice two/);
    assert.doesNotMatch(page, /for bob only/);
    assert.equal((await messageIds()).length, 2);
  });

  it("answers 404 for every view of another account's message", async () => {
    const bob = await login("bob@example.test", testPassword);
    const bobCookie = bob.headers.get("set-cookie")!.split(";")[0]!;
    const [bobId] = await messageIds(bobCookie);
    assert.ok(bobId);
    for (const path of [`/ui/message/${bobId}`, `/ui/message/${bobId}/html`, `/ui/message/${bobId}/raw`, `/ui/message/${bobId}/part/1`]) {
      const r = await get(path);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(await r.text(), /for bob only/, path);
    }
    // Bob's own view works, with the sandbox CSP on the HTML body.
    const own = await get(`/ui/message/${bobId}/html`, bobCookie);
    assert.equal(own.status, 200);
    assert.match(own.headers.get("content-security-policy") ?? "", /^sandbox /);
    assert.match(own.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    // Alice's actions on Bob's message and mailbox change nothing.
    assert.equal((await post("/ui/messages", { csrf: aliceCsrf, action: "delete", id: String(bobId) })).status, 303);
    const bobInbox = /data-mailbox="(\d+)"/.exec(await (await get("/", bobCookie)).text())![1]!;
    assert.equal((await post(`/ui/mailbox/${bobInbox}/delete-all`, { csrf: aliceCsrf })).status, 404);
    assert.deepEqual(await messageIds(bobCookie), [bobId]);
  });

  it("refuses POSTs without the session's CSRF token or from another site", async () => {
    const [id] = await messageIds();
    const noToken = await post("/ui/messages", { action: "delete", id: String(id) });
    assert.equal(noToken.status, 403);
    assert.match(await noToken.text(), /CSRF/);
    assert.equal((await post("/ui/messages", { csrf: "x".repeat(43), action: "delete", id: String(id) })).status, 403);
    const crossSite = await post("/ui/messages", { csrf: aliceCsrf, action: "delete", id: String(id) }, { origin: "https://evil.example" });
    assert.equal(crossSite.status, 403);
    // Bob's token is not Alice's.
    const bob = await login("bob@example.test", testPassword);
    const bobCookie = bob.headers.get("set-cookie")!.split(";")[0]!;
    const bobCsrf = /name="postwire-csrf" content="([^"]+)"/.exec(await (await get("/", bobCookie)).text())![1]!;
    assert.equal((await post("/ui/messages", { csrf: bobCsrf, action: "delete", id: String(id) })).status, 403);
    assert.equal((await messageIds()).length, 2, "nothing was deleted");
    // With the token, from our own origin, it works.
    const ok = await post("/ui/messages", { csrf: aliceCsrf, action: "delete", id: String(id) }, { origin: base });
    assert.equal(ok.status, 303);
    assert.deepEqual((await messageIds()).includes(id!), false);
  });

  it("marks read and unread, and logs out", async () => {
    const [id] = await messageIds();
    const unread = async () => Number(/id="unread">(\d+)</.exec(await (await get("/")).text())![1]);
    const before = await unread();
    assert.equal((await post("/ui/messages", { csrf: aliceCsrf, action: "read", id: String(id) })).status, 303);
    assert.equal(await unread(), before - 1);
    assert.equal((await post("/ui/messages", { csrf: aliceCsrf, action: "unread", id: String(id) }, { "x-requested-with": "fetch" })).status, 204);
    assert.equal(await unread(), before);
    const out = await post("/ui/logout", { csrf: aliceCsrf });
    assert.equal(out.status, 303);
    assert.match(out.headers.get("set-cookie") ?? "", /Max-Age=0/i);
  });
});

describe("ui: bad input is displayed safely", () => {
  let app: TestApp;
  let base: string;
  let cookie = "";
  before(async () => {
    app = await startTestApp({ config: { smtp: { maxMessageSize: 2_000_000 } } });
    base = `http://127.0.0.1:${app.ports.http}`;
    const r = await fetch(base + "/ui/login", { method: "POST", body: new URLSearchParams({ address: "carol@other.test", password: testPassword }), redirect: "manual" });
    cookie = r.headers.get("set-cookie")!.split(";")[0]!;
  });
  after(async () => app?.cleanup());

  /** Sends exact bytes as DATA over a plain socket (what a broken client would send). */
  async function sendRaw(data: Buffer): Promise<void> {
    const s = connect(app.ports.smtp!, "127.0.0.1");
    let buf = "";
    const next = () => new Promise<string>((resolve) => {
      const check = () => {
        const m = /^(?:\d{3}-.*\r\n)*\d{3} .*\r\n/.exec(buf);
        if (!m) return void s.once("data", (d: Buffer) => ((buf += d.toString("latin1")), check()));
        buf = buf.slice(m[0].length);
        resolve(m[0]);
      };
      check();
    });
    await next();
    for (const cmd of ["EHLO client.test", "MAIL FROM:<x@remote.test>", "RCPT TO:<carol@other.test>", "DATA"]) {
      s.write(cmd + "\r\n");
      await next();
    }
    s.write(Buffer.concat([data, Buffer.from("\r\n.\r\n")]));
    assert.match(await next(), /^250/);
    s.end("QUIT\r\n");
  }

  async function lastMessagePage(): Promise<string> {
    const list = await (await fetch(base + "/", { headers: { cookie } })).text();
    const id = /data-id="(\d+)"/.exec(list)![1];
    const r = await fetch(`${base}/ui/message/${id}`, { headers: { cookie } });
    assert.equal(r.status, 200);
    return r.text();
  }

  it("shows non-UTF-8 bytes and broken MIME without failing, escaped", async () => {
    await sendRaw(Buffer.concat([
      Buffer.from("From: <b>bad</b> <x@remote.test>\r\nSubject: broken \xff\xfe mime\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbytes: ", "latin1"),
      Buffer.from([0xc3, 0x28, 0xff, 0x00, 0x3c, 0x73, 0x63, 0x72, 0x69, 0x70, 0x74, 0x3e]),
      Buffer.from("\r\n--zz\r\nContent-Type: text/html\r\n\r\n<script>x()</script", "latin1"),
    ]));
    const page = await lastMessagePage();
    assert.doesNotMatch(page, /<script>/, "no markup from the message reaches the page");
    assert.doesNotMatch(page, /<b>bad/);
    assert.match(page, /broken/);
  });

  it("cuts a huge body and the raw source at 256 KiB, with a link to the whole raw message", async () => {
    const line = "0123456789".repeat(7) + "\r\n";
    await sendRaw(Buffer.from(`From: big@remote.test\r\nSubject: huge\r\nContent-Type: text/plain\r\n\r\n${line.repeat(20_000)}`));
    const page = await lastMessagePage();
    assert.ok(page.length < 1_000_000, `page is ${page.length} bytes`);
    assert.match(page, /Shown: the first 262 kB/);
    const id = /data-id="(\d+)"/.exec(page)![1];
    assert.match(page, new RegExp(`href="/ui/message/${id}/raw">Show raw`));
    const raw = await fetch(`${base}/ui/message/${id}/raw`, { headers: { cookie } });
    assert.ok((await raw.arrayBuffer()).byteLength > 1_400_000);
    assert.match(raw.headers.get("content-security-policy") ?? "", /^sandbox/);
  });
});

describe("ui: release to the configured SMTP server", () => {
  let app: TestApp;
  let base: string;
  let cookie = "";
  let csrf = "";
  let rx: SMTPServer;
  const got: { from: string; to: string[]; data: Buffer }[] = [];
  before(async () => {
    rx = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      disableReverseLookup: true,
      logger: false,
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          const env = session.envelope;
          got.push({ from: env.mailFrom ? env.mailFrom.address : "", to: env.rcptTo.map((r) => r.address), data: Buffer.concat(chunks) });
          cb();
        });
      },
    });
    await new Promise<void>((r) => rx.listen(0, "127.0.0.1", () => r()));
    const port = (rx.server.address() as { port: number }).port;
    app = await startTestApp({ config: { ui: { release: `127.0.0.1:${port}` } } });
    base = `http://127.0.0.1:${app.ports.http}`;
    const t = nodemailer.createTransport({ host: "127.0.0.1", port: app.ports.smtp!, secure: false, ignoreTLS: true });
    await t.sendMail({ from: "shop@remote.test", to: "alice@example.test", subject: "release me", text: "see it in a real client" });
    t.close();
    const r = await fetch(base + "/ui/login", { method: "POST", body: new URLSearchParams({ address: "alice@example.test", password: testPassword }), redirect: "manual" });
    cookie = r.headers.get("set-cookie")!.split(";")[0]!;
    csrf = /name="postwire-csrf" content="([^"]+)"/.exec(await (await fetch(base + "/", { headers: { cookie } })).text())![1]!;
  });
  after(async () => {
    await app?.cleanup();
    await new Promise<void>((r) => rx?.close(() => r()));
  });

  it("sends the stored bytes unchanged to the address given, only with the CSRF token", async () => {
    const id = /data-id="(\d+)"/.exec(await (await fetch(base + "/", { headers: { cookie } })).text())![1]!;
    const page = await (await fetch(`${base}/ui/message/${id}`, { headers: { cookie } })).text();
    assert.match(page, /id="release-button"/);
    const post = (fields: Record<string, string>) =>
      fetch(`${base}/ui/message/${id}/release`, { method: "POST", headers: { cookie }, body: new URLSearchParams(fields), redirect: "manual" });
    assert.equal((await post({ to: "me@real.example" })).status, 403);
    assert.equal(got.length, 0);
    const r = await post({ csrf, to: "me@real.example" });
    assert.equal(r.status, 200);
    assert.match(await r.text(), /Released to me@real.example: 250/);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0]!.to, ["me@real.example"]);
    assert.equal(got[0]!.from, "shop@remote.test");
    const raw = Buffer.from(await (await fetch(`${base}/ui/message/${id}/raw`, { headers: { cookie } })).arrayBuffer());
    assert.equal(got[0]!.data.toString("latin1"), raw.toString("latin1"));
    const bad = await post({ csrf, to: "not an address" });
    assert.equal(bad.status, 502);
    assert.match(await bad.text(), /Release failed/);
  });
});

describe("ui: disabled in the configuration", () => {
  let app: TestApp;
  before(async () => (app = await startTestApp({ config: { ui: { enabled: false } } })));
  after(async () => app?.cleanup());

  it("serves no page at /, and the webapi as before", async () => {
    const base = `http://127.0.0.1:${app.ports.http}`;
    assert.equal((await fetch(base + "/", { redirect: "manual" })).status, 404);
    assert.equal((await fetch(base + "/ui/login")).status, 404);
    assert.equal((await fetch(base + "/webapi/v0/")).status, 200);
  });
});
