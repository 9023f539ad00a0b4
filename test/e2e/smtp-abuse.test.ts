// SMTP protocol abuse (docs/guarantees.md A4, A6, A9, A14) against an in-process server over real
// sockets: the RAW harness writes exact bytes, each refusal is checked by reply code and
// enhanced code, and refused messages leave nothing stored or queued.
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { connect as tlsConnect } from "node:tls";
import { count, sql } from "drizzle-orm";
import selfsigned from "selfsigned";
import { schema } from "../../src/db/index.js";
import { startTestMx, type TestMx } from "../../src/delivery/test-mx.js";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { RawSmtp } from "../helpers/smtp-client.js";

const plain = (u: string, p: string) => Buffer.from(`\0${u}\0${p}`).toString("base64");
/** Reply code and enhanced code of each reply ("354" alone: it has no enhanced code). */
const codes = (rs: string[]) => rs.map((r) => (r.startsWith("354") ? "354" : r.split(" ").slice(0, 2).join(" ")));

describe("SMTP protocol abuse", () => {
  let app: TestApp;
  let mx: TestMx;
  before(async () => {
    mx = await startTestMx();
    const pem = await selfsigned.generate([{ name: "commonName", value: "mx.example.test" }], { keySize: 2048, algorithm: "sha256" });
    app = await startTestApp({
      config: { smtp: { maxRecipients: 100, maxMessageSize: 3_000_000, greetPause: "300ms" } },
      overrides: { tls: () => ({ key: pem.private, cert: pem.cert }), deliveryTarget: () => async () => [{ host: "127.0.0.1", port: mx.port }] },
    });
  });
  after(async () => {
    await app.cleanup();
    await mx.close();
  });

  const stored = async () => (await app.database.db.select({ n: count() }).from(schema.messages))[0]!.n;
  const queued = async () => (await app.database.db.select({ n: count() }).from(schema.outboundMessages))[0]!.n;
  const withMarker = (marker: string) =>
    app.database.db.select().from(schema.messages).where(sql`position(${Buffer.from(marker)}::bytea in ${schema.messages.raw}) > 0`);

  async function session(port = app.ports.smtp!): Promise<RawSmtp> {
    const c = await RawSmtp.open(port);
    assert.match(await c.reply(), /^220 /);
    assert.match(await c.cmd("EHLO client.test"), /^250/);
    return c;
  }

  /** All replies up to and including the n-th, in order. */
  async function replies(c: RawSmtp, n: number, timeoutMs = 30_000): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await c.reply(timeoutMs));
    return out;
  }

  describe("A4 pipelining and synchronisation", () => {
    it("refuses an early talker (EHLO before the greeting) with 554 5.5.1 and closes", async () => {
      const before = await stored();
      const c = await RawSmtp.open(app.ports.smtp!);
      c.write("EHLO early.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nSubject: early\r\n\r\nx\r\n.\r\n");
      assert.equal(await c.reply(), "554 5.5.1 protocol error: talked before the greeting");
      assert.equal(await c.reply(), "", "nothing more, and the connection is closed");
      assert.ok(c.closed);
      assert.equal(await stored(), before);
    });

    it("reads bytes after the final dot as commands, never as body", async () => {
      const c = await session();
      c.write("MAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
      assert.deepEqual(codes(await replies(c, 3)), ["250 2.1.0", "250 2.1.5", "354"]);
      // One segment: the end of the first message, a whole second transaction, and QUIT.
      c.write(
        "Subject: first-after-dot\r\n\r\none\r\n.\r\nMAIL FROM:<b@remote.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n" +
          "Subject: second-after-dot\r\n\r\ntwo\r\n.\r\nQUIT\r\n",
      );
      const r = await replies(c, 6);
      assert.match(r[0]!, /^250 2\.6\.0 /);
      assert.deepEqual(codes(r.slice(1, 4)), ["250 2.1.0", "250 2.1.5", "354"]);
      assert.match(r[4]!, /^250 2\.6\.0 /);
      assert.match(r[5]!, /^221 /);
      const [first] = await withMarker("first-after-dot");
      const [second] = await withMarker("second-after-dot");
      assert.ok(first && second, "two messages");
      assert.ok(!first.raw.includes("MAIL FROM"), "the pipelined commands are not in the first body");
      assert.ok(!first.raw.includes("second-after-dot"));
      c.close();
    });

    it("answers 10,000 RCPT lines in one write in order, 452 4.5.3 past the cap of 100", async () => {
      const c = await session();
      assert.match(await c.cmd("MAIL FROM:<a@remote.test>"), /^250 2\.1\.0 /);
      c.write("RCPT TO:<alice@example.test>\r\n".repeat(10_000) + "NOOP\r\n");
      const r = await replies(c, 10_001, 120_000);
      assert.deepEqual(
        r.slice(0, 100).filter((x) => !/^250 2\.1\.5 /.test(x)),
        [],
      );
      assert.deepEqual(
        [...new Set(r.slice(100, 10_000))],
        ["452 4.5.3 too many recipients"],
      );
      assert.match(r[10_000]!, /^250 2\.0\.0 /, "the NOOP comes last");
      assert.match(await c.cmd("RSET"), /^250 /);
      c.close();
    });

    it("answers an HTTP request sent to the SMTP port with 421 and closes", async () => {
      const c = await RawSmtp.open(app.ports.smtp!);
      assert.match(await c.reply(), /^220 /);
      c.write("POST / HTTP/1.1\r\nHost: mx.example.test\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nMAIL ");
      assert.equal(await c.reply(), "421 4.4.2 HTTP requests not allowed");
      assert.equal(await c.reply(), "");
      assert.ok(c.closed);
    });

    it("answers a TLS ClientHello sent to the plaintext port with 421 and closes", async () => {
      const hello = await captureClientHello();
      assert.equal(hello[0], 0x16, "a TLS handshake record");
      const c = await RawSmtp.open(app.ports.smtp!);
      assert.match(await c.reply(), /^220 /);
      c.write(hello);
      assert.equal(await c.reply(), "421 4.4.2 TLS handshake on a plaintext port, use STARTTLS");
      assert.equal(await c.reply(), "");
      assert.ok(c.closed);
    });
  });

  describe("A6 overlong body line", () => {
    const line = (marker: string) => marker + "x".repeat(1 << 20);

    it("stores a 1 MB line without CRLF verbatim on the MX", async () => {
      const c = await session();
      await c.cmd("MAIL FROM:<a@remote.test>");
      await c.cmd("RCPT TO:<alice@example.test>");
      assert.match(await c.cmd("DATA"), /^354 /);
      c.write(`Subject: long line\r\n\r\n${line("mx-long-line:")}\r\n.\r\n`);
      assert.match(await c.reply(60_000), /^250 2\.6\.0 /);
      c.close();
      const [m] = await withMarker("mx-long-line:");
      assert.ok(m);
      assert.ok(m.raw.includes(Buffer.from(`\r\n\r\n${line("mx-long-line:")}\r\n`)), "stored verbatim");
      const d = await session();
      assert.match(await d.cmd("NOOP"), /^250 /, "the server is still serving");
      d.close();
    });

    it("refuses a submission with a line over 998 octets (554 5.6.0): nothing queued, nothing sent", async () => {
      const before = await queued();
      const sent = mx.transactions.length;
      const c = await session(app.ports.submission!);
      assert.match(await c.cmd(`AUTH PLAIN ${plain("alice@example.test", testPassword)}`), /^235 /);
      assert.match(await c.cmd("MAIL FROM:<alice@example.test>"), /^250 /);
      assert.match(await c.cmd("RCPT TO:<friend@remote.test>"), /^250 /);
      assert.match(await c.cmd("DATA"), /^354 /);
      c.write(`From: alice@example.test\r\nTo: friend@remote.test\r\nSubject: long\r\n\r\n${line("out-long-line:")}\r\n.\r\n`);
      assert.equal(await c.reply(60_000), "554 5.6.0 message has a line longer than 998 octets; encode it (quoted-printable or base64)");
      // A line of exactly 998 octets is fine and reaches the MX intact.
      assert.match(await c.cmd("MAIL FROM:<alice@example.test>"), /^250 /);
      assert.match(await c.cmd("RCPT TO:<friend@remote.test>"), /^250 /);
      assert.match(await c.cmd("DATA"), /^354 /);
      const ok998 = "ok998:" + "y".repeat(992);
      c.write(`From: alice@example.test\r\nTo: friend@remote.test\r\nSubject: long\r\n\r\n${ok998}\r\n.\r\n`);
      assert.match(await c.reply(60_000), /^250 /);
      c.close();
      assert.equal(await queued(), before + 1);
      const deadline = Date.now() + 30_000;
      while (mx.transactions.length === sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(mx.transactions.length, sent + 1);
      const data = mx.transactions.at(-1)!.data;
      assert.ok(data.includes(Buffer.from(`\r\n${ok998}\r\n`)));
      assert.ok(!data.includes("out-long-line:"));
    });
  });

  describe("A9 8-bit and BINARYMIME", () => {
    it("stores an 8-bit body sent without BODY=8BITMIME verbatim", async () => {
      const body = Buffer.concat([Buffer.from("Subject: 8bit\r\n\r\neight-bit-marker "), Buffer.from([0xc3, 0xa9, 0xff, 0x80, 0xe2, 0x82, 0xac]), Buffer.from("\r\n")]);
      const c = await session();
      assert.match(await c.cmd("MAIL FROM:<a@remote.test>"), /^250 /);
      assert.match(await c.cmd("RCPT TO:<alice@example.test>"), /^250 /);
      assert.match(await c.cmd("DATA"), /^354 /);
      c.write(Buffer.concat([body, Buffer.from(".\r\n")]));
      assert.match(await c.reply(), /^250 2\.6\.0 /);
      c.close();
      const [m] = await withMarker("eight-bit-marker");
      assert.ok(m);
      assert.ok(m.raw.includes(body), "bytes unchanged");
    });

    it("refuses BODY=BINARYMIME (no CHUNKING) and stores nothing", async () => {
      const before = await stored();
      const c = await session();
      // smtp-server refuses it before our own check (504 5.5.4) is reached.
      assert.equal(await c.cmd("MAIL FROM:<a@remote.test> BODY=BINARYMIME"), "501 5.5.4 Invalid BODY parameter value. Must be 7BIT or 8BITMIME");
      assert.match(await c.cmd("RCPT TO:<alice@example.test>"), /^503 5\.5\.1 /);
      assert.match(await c.cmd("BDAT 10 LAST"), /^50[02] 5\.5\.[12] /);
      c.close();
      assert.equal(await stored(), before);
    });
  });

  describe("A14 STARTTLS injection", () => {
    it("discards commands pipelined after STARTTLS, whole and partial lines", async () => {
      const before = await stored();
      const c = await session();
      c.write("STARTTLS\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nSubj");
      assert.match(await c.reply(), /^220 /);
      const s = tlsConnect({ socket: c.socket, rejectUnauthorized: false, servername: "mx.example.test" });
      await new Promise<void>((resolve, reject) => {
        s.once("secureConnect", resolve);
        s.once("error", reject);
      });
      let text = "";
      s.on("data", (d: Buffer) => (text += d.toString("latin1")));
      const lines = async (n: number) => {
        const deadline = Date.now() + 10_000;
        while (text.split("\r\n").filter((l) => /^\d{3} /.test(l)).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 200)); // anything extra would arrive now
        return text.split("\r\n").filter(Boolean);
      };
      s.write("EHLO after.tls\r\n");
      const ehlo = await lines(1);
      assert.match(ehlo.at(-1)!, /^250 /);
      assert.ok(ehlo.every((l) => /^250[ -]/.test(l)), `only the EHLO reply: ${JSON.stringify(ehlo)}`);
      text = "";
      s.write("MAIL FROM:<good@remote.test>\r\n");
      assert.deepEqual(await lines(1), ["250 2.1.0 Accepted"], "one reply: the injected MAIL was not answered nor kept");
      text = "";
      s.write("RCPT TO:<alice@example.test>\r\n");
      assert.deepEqual(codes(await lines(1)), ["250 2.1.5"]);
      s.destroy();
      assert.equal(await stored(), before);
    });

    it("answers STARTTLS with a parameter with 501 5.5.4", async () => {
      const c = await session();
      assert.equal(await c.cmd("STARTTLS x"), "501 5.5.4 Error: syntax: STARTTLS");
      assert.match(await c.cmd("NOOP"), /^250 /, "still plaintext and serving");
      c.close();
    });
  });
});

/** The first bytes a TLS client sends (its ClientHello), captured by a local listener. */
async function captureClientHello(): Promise<Buffer> {
  let resolveHello!: (b: Buffer) => void;
  const got = new Promise<Buffer>((r) => (resolveHello = r));
  const server = createServer((sock: Socket) => {
    sock.once("data", (d: Buffer) => {
      resolveHello(d);
      sock.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const client = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false, servername: "mx.example.test" });
  client.on("error", () => {});
  const hello = await got;
  client.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return hello;
}
