// Test-only: a fake MX (a real smtp-server on loopback, port 0) with scripted replies per
// phase, recording every completed transaction. Delivery tests reach it through a static
// resolver or the target override; nothing here is used by the module itself.
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

/** A scripted reply: `550 5.1.1 no such user` is `{ code: 550, text: "5.1.1 no such user" }`. */
export type MxReply = { code: number; text: string };

/** One completed SMTP transaction as the MX saw it. */
export type MxTransaction = { mailFrom: string; rcptTo: string[]; data: Buffer; tls: boolean };

/** What the fake MX answers; null or absent means accept. */
export type MxScript = {
  mailFrom?: (from: string) => MxReply | null;
  /** `index` is the recipient's position in the current transaction. */
  rcptTo?: (rcpt: string, index: number) => MxReply | null;
  data?: (t: MxTransaction) => MxReply | null;
  /** Recipients per transaction; more get `552 5.5.3 too many recipients` (mox's test). */
  maxRcpts?: number;
  /** Offer STARTTLS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
  /** Advertise REQUIRETLS. */
  requireTls?: boolean;
  /** Do not advertise these (smtp-server's hide options: "8BITMIME", "SMTPUTF8"). */
  hide?: ("8BITMIME" | "SMTPUTF8")[];
};

/** A running fake MX. */
export type TestMx = { port: number; transactions: MxTransaction[]; connections: number; close(): Promise<void> };

/** Starts a fake MX on 127.0.0.1 with an ephemeral port. */
export async function startTestMx(script: MxScript = {}): Promise<TestMx> {
  const transactions: MxTransaction[] = [];
  const state = { connections: 0 };
  const fail = (r: MxReply | null | undefined): Error | null =>
    r && r.code >= 400 ? Object.assign(new Error(r.text), { responseCode: r.code }) : null;
  const opts: SMTPServerOptions = {
    name: "mx.test",
    authOptional: true,
    disabledCommands: script.tls ? ["AUTH"] : ["AUTH", "STARTTLS"],
    ...(script.tls ? { key: script.tls.key, cert: script.tls.cert } : {}),
    hideREQUIRETLS: !script.requireTls,
    ...Object.fromEntries((script.hide ?? []).map((x) => [`hide${x}`, true])),
    disableReverseLookup: true,
    logger: false,
    size: 50 << 20,
    onConnect(_s, cb) {
      state.connections++;
      cb();
    },
    onMailFrom(addr, _s, cb) {
      cb(fail(script.mailFrom?.(addr.address)));
    },
    onRcptTo(addr, s, cb) {
      const index = s.envelope.rcptTo.length;
      if (script.maxRcpts !== undefined && index >= script.maxRcpts) {
        cb(Object.assign(new Error("5.5.3 too many recipients"), { responseCode: 552 }));
        return;
      }
      cb(fail(script.rcptTo?.(addr.address, index)));
    },
    onData(stream, s, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const t: MxTransaction = {
          mailFrom: s.envelope.mailFrom ? s.envelope.mailFrom.address : "",
          rcptTo: s.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks),
          tls: Boolean(s.secure),
        };
        const r = script.data?.(t);
        const err = fail(r);
        if (!err) transactions.push(t);
        if (err) cb(err);
        else cb(null, r?.text ?? "2.0.0 ok queued");
      });
    },
  };
  const server = new SMTPServer(opts);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    transactions,
    get connections() {
      return state.connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
