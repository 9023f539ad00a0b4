// A minimal SMTP client for workloads that need per-message timing (final dot → 250) or
// messages tagged with a nonce: one connection, EHLO once, MAIL/RCPT/DATA pipelined per message.
import { connect, type Socket } from "node:net";

/** One SMTP reply: code and the text of its last line. */
interface Reply { code: number; text: string }

/** Timing of one message: when the final dot was written and when its reply arrived. */
export interface SentMessage { nonce: string; dotAt: number; ackAt: number; code: number }

/** Builds an RFC 5322 message of about `size` bytes whose Subject and Message-ID carry `nonce`. */
export function benchMessage(nonce: string, size = 2048): string {
  const head = `From: <a@test.example>\r\nTo: <b@test.example>\r\nSubject: bench ${nonce}\r\n` +
    `Message-ID: <${nonce}@bench.local>\r\nDate: ${new Date().toUTCString()}\r\nX-Bench-Nonce: ${nonce}\r\n` +
    `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n`;
  const line = "abcdefghijklmnopqrstuvwxyz0123456789 abcdefghijklmnopqrstuvwxyz0123456789\r\n";
  const body = line.repeat(Math.max(1, Math.ceil((size - head.length) / line.length)));
  return head + body;
}

/** Extracts a bench nonce from a Subject ("bench <nonce>") or Message-ID ("<nonce@bench.local>"). */
export function nonceOf(subjectOrId: unknown): string | undefined {
  if (typeof subjectOrId !== "string") return undefined;
  return subjectOrId.match(/bench ([\w-]+)/)?.[1] ?? subjectOrId.match(/<([\w-]+)@bench\.local>/)?.[1];
}

/** One SMTP session to 127.0.0.1:port. */
export class SmtpConn {
  private buf = "";
  private lines: string[] = [];
  private waiters: ((r: Reply) => void)[] = [];
  private closed = false;
  /** Owned by the load generator: true while a message is using this connection. */
  busy = false;

  readonly sock: Socket;

  private constructor(sock: Socket) {
    this.sock = sock;
    sock.setNoDelay(true);
    sock.on("data", (b) => this.onData(b.toString("latin1")));
    sock.on("error", () => this.fail());
    sock.on("close", () => this.fail());
  }

  /** Connects (optionally from another loopback address), reads the 220 greeting and says EHLO. */
  static async open(port: number, ehlo = true, localAddress?: string): Promise<SmtpConn> {
    const sock = connect({ port, host: "127.0.0.1", localAddress });
    await new Promise<void>((res, rej) => { sock.once("connect", res); sock.once("error", rej); });
    const c = new SmtpConn(sock);
    const greet = await c.reply();
    if (greet.code !== 220) throw new Error(`greeting ${greet.code} ${greet.text}`);
    if (ehlo) {
      sock.write("EHLO bench.local\r\n");
      const r = await c.reply();
      if (r.code !== 250) throw new Error(`EHLO ${r.code} ${r.text}`);
    }
    return c;
  }

  private onData(s: string): void {
    this.buf += s;
    let i: number;
    while ((i = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, i).replace(/\r$/, "");
      this.buf = this.buf.slice(i + 1);
      this.lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        const r = { code: Number(line.slice(0, 3)), text: line.slice(4) };
        this.lines = [];
        this.waiters.shift()?.(r);
      }
    }
  }

  private fail(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w({ code: 0, text: "connection closed" });
  }

  private reply(): Promise<Reply> {
    if (this.closed) return Promise.resolve({ code: 0, text: "connection closed" });
    return new Promise((res) => this.waiters.push(res));
  }

  /** Sends one message (pipelined envelope); resolves with dot and reply times (performance.now()). */
  async send(nonce: string, data: string): Promise<SentMessage> {
    {
      const env = [this.reply(), this.reply(), this.reply()];
      this.sock.write("MAIL FROM:<a@test.example>\r\nRCPT TO:<b@test.example>\r\nDATA\r\n");
      const [mail, rcpt, dataR] = await Promise.all(env);
      if (dataR!.code !== 354) throw new Error(`envelope refused: ${mail!.code}/${rcpt!.code}/${dataR!.code} ${dataR!.text}`);
      const stuffed = data.replace(/\r\n\./g, "\r\n..");
      const done = this.reply();
      this.sock.write(stuffed.endsWith("\r\n") ? stuffed : stuffed + "\r\n");
      this.sock.write(".\r\n");
      const dotAt = performance.now();
      const r = await done;
      return { nonce, dotAt, ackAt: performance.now(), code: r.code };
    }
  }

  /** True once the server closed the connection or it failed. */
  get isClosed(): boolean { return this.closed; }

  /** Says QUIT (best effort) and closes. */
  close(): void {
    if (!this.closed) this.sock.end("QUIT\r\n");
    this.sock.destroy();
  }
}
