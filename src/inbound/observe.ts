import type { SMTPServer, SMTPServerSession } from "smtp-server";
import type { Metrics } from "../metrics/index.js";
import type { SessionState } from "./state.js";
import type { InboundDeps, ListenerKind } from "./types.js";

type Conn = { send(code: number, data: unknown, ctx?: unknown): void };

/**
 * Counts sessions and replies (by code) of a listener. It wraps each connection's `send` before
 * patchConnections' wrapper does, so it sees the code that really went out (e.g. 554 for an
 * early talker). Installed only when metrics are on: otherwise no cost per reply.
 */
export function observeConnections(server: SMTPServer, kind: ListenerKind, metrics: Metrics | undefined): void {
  if (!metrics?.enabled) return;
  const connections = (server as unknown as { connections: Set<Conn> }).connections;
  const add = connections.add.bind(connections);
  connections.add = (c: Conn) => {
    metrics.smtpSession(kind);
    const send = c.send.bind(c);
    c.send = (code, data, ctx) => {
      metrics.smtpReply(kind, code);
      send(code, data, ctx);
    };
    return add(c);
  };
}

/**
 * The `message accepted` line (the logger carries the listener) and counter, once the commit is done and before the 250 goes out:
 * ids (stored messages on the MX, the Message-ID of a submission), size, sender, recipient
 * count, client IP, TLS and authenticated login. Never the body or the recipient list.
 */
export function logAccepted(
  deps: InboundDeps,
  kind: ListenerKind,
  session: SMTPServerSession,
  st: SessionState,
  m: { size: number; mailFrom: string; recipients: number; msgIds?: number[]; messageId?: string },
): void {
  deps.metrics?.messageAccepted(kind);
  const tls = (session as { tlsOptions?: { version?: string } | false }).tlsOptions;
  deps.log.info(
    {
      cid: session.id,
      msgIds: m.msgIds,
      messageId: m.messageId,
      size: m.size,
      mailFrom: m.mailFrom,
      rcpts: m.recipients,
      remoteIp: st.ip,
      tls: session.secure ? (tls && tls.version) || true : false,
      auth: st.login ? st.login.address : null,
    },
    "message accepted",
  );
}
