import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { once } from "node:events";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { SmtpError, enhancedCodeFor, smtpError, smtpReplies, startsWithEnhancedCode } from "./index.js";

describe("SmtpError", () => {
  test("formats reply text and line", () => {
    const e = smtpError("relayDenied");
    assert.equal(e.responseCode, 550);
    assert.equal(e.enhancedCode, "5.7.1");
    assert.equal(e.replyText(), "5.7.1 relaying denied");
    assert.equal(e.formatReply(), "550 5.7.1 relaying denied");
    assert.equal(e.permanent, true);
    assert.equal(e.code, "smtp");
  });

  test("strips control characters so the reply stays one line", () => {
    const e = new SmtpError(451, "4.3.0", "a\r\nMAIL FROM:<x>");
    assert.equal(e.formatReply(), "451 4.3.0 a  MAIL FROM:<x>");
  });

  test("refuses impossible code pairs", () => {
    assert.throws(() => new SmtpError(550, "4.7.1", "x"), RangeError);
    assert.throws(() => new SmtpError(99, "", "x"), RangeError);
    assert.throws(() => new SmtpError(550, "5.7", "x"), RangeError);
    assert.equal(new SmtpError(554, "", "no code").formatReply(), "554 no code");
  });

  test("every catalogued reply is well formed", () => {
    for (const [name, r] of Object.entries(smtpReplies)) {
      assert.doesNotThrow(() => smtpError(r), name);
    }
  });

  test("helpers for enhanced codes", () => {
    assert.equal(enhancedCodeFor(554, "0.0"), "5.0.0");
    assert.equal(enhancedCodeFor(554, ""), "");
    assert.equal(startsWithEnhancedCode(550, "5.7.1 relaying denied"), true);
    assert.equal(startsWithEnhancedCode(550, "4.7.1 wrong class"), false);
    assert.equal(startsWithEnhancedCode(250, "OK"), false);
  });
});

// Contract test against the pinned smtp-server: how it writes the Error we hand to onRcptTo.
// If an upgrade changes the format, this fails before inbound does.
describe("smtp-server 3.21 reply formatting", () => {
  async function rcptReply(options: Partial<SMTPServerOptions>, patchSend: boolean): Promise<string> {
    class Server extends SMTPServer {
      override connect(...args: Parameters<SMTPServer["connect"]>): void {
        super.connect(...args);
        if (!patchSend) return;
        const conn = [...this.connections].at(-1)!;
        const send = conn.send.bind(conn);
        conn.send = (code, data, ctx) =>
          send(code, data, typeof data === "string" && startsWithEnhancedCode(code, data) ? false : ctx);
      }
    }
    const server = new Server({
      ...options,
      authOptional: true,
      disabledCommands: ["AUTH", "STARTTLS"],
      disableReverseLookup: true,
      logger: false,
      onRcptTo(_addr, _session, cb) {
        cb(smtpError("relayDenied").toHandlerError());
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.server.address() as { port: number }).port;
    const sock = connect(port, "127.0.0.1");
    try {
      const lines = lineReader(sock);
      await lines.next(); // greeting
      sock.write("EHLO client.test\r\n");
      for (;;) if ((await lines.next()).startsWith("250 ")) break;
      sock.write("MAIL FROM:<a@b.test>\r\n");
      await lines.next();
      sock.write("RCPT TO:<x@remote.test>\r\n");
      return await lines.next();
    } finally {
      sock.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  test("default options: our enhanced code comes out as written", async () => {
    assert.equal(await rcptReply({}, false), "550 5.7.1 relaying denied");
  });

  test("with ENHANCEDSTATUSCODES the library prefixes its own code, the send wrapper fixes it", async () => {
    assert.equal(await rcptReply({ hideENHANCEDSTATUSCODES: false }, false), "550 5.1.1 5.7.1 relaying denied");
    assert.equal(await rcptReply({ hideENHANCEDSTATUSCODES: false }, true), "550 5.7.1 relaying denied");
  });
});

function lineReader(sock: Socket): { next(): Promise<string> } {
  let buf = "";
  const waiting: Array<() => void> = [];
  sock.setEncoding("utf8");
  sock.on("data", (d: string) => {
    buf += d;
    waiting.splice(0).forEach((w) => w());
  });
  return {
    async next() {
      for (;;) {
        const i = buf.indexOf("\r\n");
        if (i >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          return line;
        }
        await Promise.race([new Promise<void>((r) => waiting.push(r)), once(sock, "close").then(() => {
          throw new Error("connection closed");
        })]);
      }
    },
  };
}
