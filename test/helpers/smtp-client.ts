// RAW harness: a net/tls client that writes exact bytes and reads SMTP replies, plus wrappers
// around the real clients the tests use (python3 smtplib, swaks).
import { spawn, spawnSync } from "node:child_process";
import { connect, type Socket } from "node:net";

/** A line-oriented SMTP conversation over a raw socket. */
export class RawSmtp {
  private buf = "";
  private waiters: (() => void)[] = [];
  closed = false;
  readonly socket: Socket;
  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => {
      this.buf += d.toString("latin1");
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on("close", () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on("error", () => {});
  }

  /** Connects; `localAddress` picks the client's source address (any of 127.0.0.0/8 on loopback). */
  static async open(port: number, host = "127.0.0.1", localAddress?: string): Promise<RawSmtp> {
    const s = connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      s.once("connect", resolve);
      s.once("error", reject);
    });
    return new RawSmtp(s);
  }

  /** Reads one complete (possibly multi-line) reply, e.g. "250 2.0.0 ok". Resolves "" on close. */
  async reply(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\r?\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return m[0].trimEnd();
      }
      if (this.closed) return "";
      if (Date.now() > deadline) throw new Error(`no reply within ${timeoutMs} ms; buffer ${JSON.stringify(this.buf)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Writes a command line and returns its reply. */
  async cmd(line: string): Promise<string> {
    this.write(line + "\r\n");
    return this.reply();
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Sends a message with python3's smtplib; returns its exit status and output. Asynchronous on
 * purpose: the server under test may run in this very process.
 */
export async function smtplibSend(o: {
  port: number;
  from: string;
  to: string[];
  message: string;
  login?: [string, string];
  starttls?: boolean;
}): Promise<{ status: number | null; out: string }> {
  const script = `
import smtplib, sys, json, ssl
o = json.loads(sys.stdin.read())
s = smtplib.SMTP("127.0.0.1", o["port"], timeout=30)
s.ehlo("client.example")
if o.get("starttls"):
    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    s.starttls(context=ctx); s.ehlo("client.example")
if o.get("login"):
    s.login(o["login"][0], o["login"][1])
try:
    r = s.sendmail(o["from"], o["to"], o["message"].encode("utf-8"))
    print("OK", json.dumps(r))
except smtplib.SMTPResponseException as e:
    print("ERR", e.smtp_code, e.smtp_error.decode()); sys.exit(3)
except smtplib.SMTPRecipientsRefused as e:
    print("RCPT", {k: (v[0], v[1].decode()) for k, v in e.recipients.items()}); sys.exit(4)
s.quit()
`;
  const child = spawn("python3", ["-c", script], { stdio: ["pipe", "pipe", "pipe"], timeout: 60_000 });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  child.stdin.end(JSON.stringify(o));
  const status = await new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { status, out };
}

/** True when swaks is installed (Debian package). */
export function haveSwaks(): boolean {
  return spawnSync("swaks", ["--version"], { encoding: "utf8" }).status === 0;
}
