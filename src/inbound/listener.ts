import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from "smtp-server";
import type { Socket } from "node:net";
import { startsWithEnhancedCode, SmtpError, smtpError } from "../smtp/index.js";
import { authenticate } from "./auth.js";
import { handleData } from "./data.js";
import { observeConnections } from "./observe.js";
import { checkMailFrom, checkRcptTo } from "./envelope.js";
import { normalizeIp, stateOf } from "./state.js";
import { listenerOffer, serverTlsOptions } from "./tls.js";
import type { InboundDeps, ListenerKind, ListenerSpec } from "./types.js";

/** A running SMTP listener. */
export type SmtpListener = {
  kind: ListenerKind;
  port: number;
  /** Loads the current TLS material for new handshakes; open sessions keep theirs. */
  reloadTls(): void;
  /**
   * Stops accepting. Sessions outside a mail transaction get 421 4.3.2 and are closed at once;
   * a transaction under way may finish until `deadline` (a `performance.now()` time, default
   * 30 s from now), then gets 421 and is closed.
   */
  close(o?: { deadline?: number }): Promise<void>;
};

type Conn = {
  send(code: number, data: unknown, ctx?: unknown): void;
  connectionReady(next?: unknown): void;
  close(): void;
  _ready?: boolean;
  _upgrading?: boolean;
  _socket?: Socket;
  handler_AUTH(command: unknown, callback: () => void): void;
  remoteAddress?: string;
  secure?: boolean;
  session?: SMTPServerSession;
};

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

/**
 * Starts an SMTP listener (MX, submission with STARTTLS, or submissions with implicit TLS).
 * TLS comes only from `spec.tls`: without material STARTTLS is neither offered nor accepted, and
 * a submissions listener refuses to start (smtp-server would serve its public example key).
 * AUTH on submission is refused before TLS (538 5.7.11) unless `allowInsecureAuth`.
 */
export async function startListener(deps: InboundDeps, spec: ListenerSpec): Promise<SmtpListener> {
  const { kind, host, port } = spec;
  const tls = spec.tls();
  if (kind === "submissions" && !tls) throw new Error("the submissions listener (implicit TLS) needs a certificate");
  const allowInsecureAuth = kind === "submission" && spec.allowInsecureAuth === true;
  const perIp = new Map<string, number>();
  const log = deps.log.child({ listener: kind });
  const opts: SMTPServerOptions = {
    name: deps.hostname,
    banner: "Postwire",
    secure: kind === "submissions",
    ...(tls ? serverTlsOptions(tls) : {}),
    hideSTARTTLS: !tls || kind === "submissions",
    hideREQUIRETLS: false, // advertised once encrypted: local storage and our delivery honour it
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
    // Without material a STARTTLS sent anyway (it is hidden) would get smtp-server's example key.
    disabledCommands: [...(kind === "mx" ? ["AUTH"] : []), ...(tls ? [] : ["STARTTLS"])],
    allowInsecureAuth,
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
  patchConnections(server, {
    sessionTimeoutMs: deps.limits.sessionTimeoutMs,
    commandTimeoutMs: deps.limits.commandTimeoutMs,
    authNeedsTls: kind !== "mx" && !allowInsecureAuth,
    greetPauseMs: deps.limits.greetPauseMs,
  });
  observeConnections(server, kind, deps.metrics);
  server.on("error", (err) => log.warn({ err }, "smtp connection error"));
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.server.address();
  const actual = typeof addr === "object" && addr ? addr.port : port;
  const offer = listenerOffer(spec, tls);
  log.info({ host, port: actual, ...offer }, "smtp listening");
  if (offer.certificate?.expired) log.warn({ certificate: offer.certificate }, "smtp certificate expired");
  return {
    kind,
    port: actual,
    reloadTls() {
      const t = spec.tls();
      if (t && tls) server.updateSecureContext(serverTlsOptions(t)); // TLS is switched on or off only at start
    },
    close: (o = {}) =>
      new Promise<void>((resolve) => {
        // smtp-server reads its close timeout when close() is called.
        const left = o.deadline === undefined ? 30_000 : Math.max(1, Math.round(o.deadline - performance.now()));
        (server as unknown as { options: SMTPServerOptions }).options.closeTimeout = left;
        server.close(() => resolve());
        for (const c of (server as unknown as { connections: Set<Conn> }).connections) {
          if (c.session?.envelope?.mailFrom || (c.session && stateOf(c.session).busy)) continue;
          c.send(421, "4.3.2 shutting down, try again later", false);
          c.close();
        }
      }),
  };
}

/**
 * Per-connection adjustments smtp-server has no option for: replies whose text already carries
 * an enhanced code are not given a second, generic one; an early talker gets 554 5.5.1 (with an
 * enhanced code, smtp-server's is a bare 421) and a close; a TLS ClientHello on a plaintext port
 * gets 421 and a close; and two hard deadlines that a client
 * trickling bytes cannot extend (smtp-server's socket timeout is an idle timer): one for the
 * whole session and one per command (the time from one reply to the next, DATA included).
 */
function patchConnections(
  server: SMTPServer,
  o: { sessionTimeoutMs: number; commandTimeoutMs: number; authNeedsTls: boolean; greetPauseMs: number },
): void {
  const { sessionTimeoutMs, commandTimeoutMs } = o;
  const connections = (server as unknown as { connections: Set<Conn> }).connections;
  const add = connections.add.bind(connections);
  connections.add = (c: Conn) => {
    const send = c.send.bind(c);
    const expire = (why: string) => () => {
      send(421, `4.4.2 ${why} time limit reached, closing`, false);
      c._socket?.destroy();
    };
    const session = setTimeout(expire("session"), sessionTimeoutMs);
    const command = setTimeout(() => {
      if (c.session && stateOf(c.session).busy) return void command.refresh(); // waiting on us, not the client
      expire("command")();
    }, commandTimeoutMs);
    session.unref();
    command.unref();
    c.send = (code, data, ctx) => {
      command.refresh(); // a reply ends a command; the next one gets a full deadline
      // smtp-server lists AUTH before STARTTLS (and refuses it with a bare 538): never offer it
      // in plaintext on submission, and refuse it with RFC 4954's 538 5.7.11.
      if (o.authNeedsTls && !c.secure && Array.isArray(data)) data = data.filter((l) => !/^AUTH /.test(String(l)));
      if (code === 538) return send(538, "5.7.11 encryption required for requested authentication mechanism", false);
      if (code === 421 && !c._ready && /You talk too soon$/.test(String(data))) {
        // An early talker (docs/guarantees.md A4): a permanent refusal with an enhanced code, then close.
        send(554, "5.5.1 protocol error: talked before the greeting", false);
        return c.close();
      }
      send(code, data, typeof data === "string" && startsWithEnhancedCode(code, data) ? false : ctx);
    };
    if (o.authNeedsTls) refuseAuthBeforeTls(c, send);
    refuseTlsOnPlaintext(c);
    c._socket?.once("close", () => {
      clearTimeout(session);
      clearTimeout(command);
    });
    if (o.greetPauseMs !== 100) greetAfter(c, o.greetPauseMs);
    return add(c);
  };
}

/**
 * AUTH before TLS gets 538 5.7.11 (RFC 4954 §6) before any credentials are read. smtp-server
 * refuses it only while it advertises STARTTLS, so without a certificate it would take a
 * clear-text password; this check holds whatever the listener offers.
 */
function refuseAuthBeforeTls(c: Conn, send: Conn["send"]): void {
  const auth = c.handler_AUTH.bind(c);
  c.handler_AUTH = (command, callback) => {
    if (c.secure) return auth(command, callback);
    send(538, "5.7.11 encryption required for requested authentication mechanism", false);
    callback();
  };
}

/**
 * A TLS ClientHello sent to a plaintext port (a client expecting implicit TLS) holds no line an
 * SMTP parser could answer sensibly: the first bytes of a session being a TLS handshake record
 * get 421 and a close, as smtp-server does for HTTP requests. STARTTLS handshakes are not
 * affected: they never come first.
 */
function refuseTlsOnPlaintext(c: Conn): void {
  const sock = c._socket;
  if (!sock || "encrypted" in sock) return; // implicit TLS: the socket already speaks TLS
  sock.once("data", (d: Buffer) => {
    if (d[0] === 0x16 && d[1] === 0x03 && !c._upgrading) {
      c.send(421, "4.4.2 TLS handshake on a plaintext port, use STARTTLS", false);
      c.close();
    }
  });
}

/**
 * smtp-server greets after a fixed 100 ms (commands before it are refused as early talk). Our
 * pause replaces it: the first call of connectionReady wins and smtp-server's later one is ignored.
 */
function greetAfter(c: Conn, ms: number): void {
  const ready = c.connectionReady.bind(c);
  let greeted = false;
  c.connectionReady = (next?: unknown) => {
    if (greeted) return;
    greeted = true;
    ready(next);
  };
  if (ms <= 0) setImmediate(() => c.connectionReady());
  else setTimeout(() => c.connectionReady(), ms).unref();
}
