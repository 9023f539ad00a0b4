import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import type { Socket } from "node:net";
import { startsWithEnhancedCode, SmtpError, smtpError } from "../smtp/index.js";
import { authenticate } from "./auth.js";
import { handleData } from "./data.js";
import { checkMailFrom, checkRcptTo } from "./envelope.js";
import { normalizeIp } from "./state.js";
import type { InboundDeps, ListenerKind } from "./types.js";

/** A running SMTP listener. */
export type SmtpListener = { kind: ListenerKind; port: number; close(): Promise<void> };

type Conn = { send(code: number, data: unknown, ctx?: unknown): void; _socket?: Socket; remoteAddress?: string };

/** Runs one of our smtp-server callbacks, translating errors at this single edge. */
function edge<T>(deps: InboundDeps, p: Promise<T>, cb: (err: Error | null | undefined, v?: T) => void): void {
  p.then(
    (v) => cb(null, v),
    (err: unknown) => {
      if (err instanceof SmtpError) return cb(err.toHandlerError());
      deps.log.error({ err }, "smtp handler failed");
      cb(smtpError("localError").toHandlerError());
    },
  );
}

/** Starts an SMTP listener (MX, submission with STARTTLS, or submissions with implicit TLS). */
export async function startListener(deps: InboundDeps, kind: ListenerKind, host: string, port: number): Promise<SmtpListener> {
  const tls = deps.tls();
  const perIp = new Map<string, number>();
  const log = deps.log.child({ listener: kind });
  const opts: SMTPServerOptions = {
    name: deps.hostname,
    banner: "Postwire ESMTP",
    secure: kind === "submissions",
    ...(tls ? { key: tls.key, cert: tls.cert } : {}),
    hideSTARTTLS: !tls || kind === "submissions",
    hideENHANCEDSTATUSCODES: false,
    hideSize: false,
    size: deps.limits.maxMessageSize,
    disableReverseLookup: true,
    logger: false,
    maxClients: deps.limits.maxConnections,
    maxRecipients: deps.limits.maxRecipients,
    maxCommandLength: 4096,
    socketTimeout: deps.limits.commandTimeoutMs,
    authMethods: ["PLAIN", "LOGIN"],
    authOptional: kind === "mx",
    disabledCommands: kind === "mx" ? ["AUTH"] : [],
    allowInsecureAuth: deps.allowInsecureAuth,
    onConnect(session, cb) {
      const ip = normalizeIp(session.remoteAddress);
      const n = (perIp.get(ip) ?? 0) + 1;
      if (n > deps.limits.maxConnectionsPerIp) return cb(smtpError("tooManyConnections").toHandlerError());
      perIp.set(ip, n);
      cb();
    },
    onClose(session) {
      const ip = normalizeIp(session.remoteAddress);
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n <= 0) perIp.delete(ip);
      else perIp.set(ip, n);
    },
    onAuth: (auth, session, cb) => edge(deps, authenticate(deps, auth, session), cb),
    onMailFrom: (a, session, cb) => edge(deps, checkMailFrom(deps, kind, a, session), cb),
    onRcptTo: (a, session, cb) => edge(deps, checkRcptTo(deps, kind, a, session), cb),
    onData: (stream, session, cb) =>
      edge(deps, handleData({ ...deps, log }, kind, stream, session), (err, msg) => (err ? cb(err) : cb(null, msg))),
  };
  const server = new SMTPServer(opts);
  patchConnections(server, deps.limits.sessionTimeoutMs);
  server.on("error", (err) => log.warn({ err }, "smtp connection error"));
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.server.address();
  const actual = typeof addr === "object" && addr ? addr.port : port;
  log.info({ host, port: actual }, "smtp listening");
  return {
    kind,
    port: actual,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Per-connection adjustments smtp-server has no option for: replies whose text already carries
 * an enhanced code are not given a second, generic one; and a hard session deadline that a
 * client trickling bytes cannot extend (its socket timeout is an idle timer).
 */
function patchConnections(server: SMTPServer, sessionTimeoutMs: number): void {
  const connections = (server as unknown as { connections: Set<Conn> }).connections;
  const add = connections.add.bind(connections);
  connections.add = (c: Conn) => {
    const send = c.send.bind(c);
    c.send = (code, data, ctx) => send(code, data, typeof data === "string" && startsWithEnhancedCode(code, data) ? false : ctx);
    const t = setTimeout(() => {
      send(421, "4.4.2 session time limit reached, closing", false);
      c._socket?.destroy();
    }, sessionTimeoutMs);
    t.unref();
    c._socket?.once("close", () => clearTimeout(t));
    return add(c);
  };
}
