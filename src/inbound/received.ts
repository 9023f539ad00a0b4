import { isIPv6 } from "node:net";
import type { SMTPServerSession } from "smtp-server";
import { formatReceived } from "../smtp/index.js";
import type { ListenerKind } from "./types.js";

/** The TLS facts smtp-server keeps for an encrypted session (node's `getCipher()`). */
type Cipher = { version?: string; standardName?: string; name?: string };

// RFC 5321 §4.1.2 Domain (LDH labels, optional final dot) or an address literal.
const domainSyntax = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const literalSyntax = /^\[(?:IPv6:[0-9A-Fa-f:.]+|[0-9.]+)\]$/;

/**
 * The `with` protocol of a session (RFC 3848, RFC 6531): ESMTP after EHLO, plus S for TLS and A
 * for an authenticated client; UTF8SMTP for an SMTPUTF8 transaction; plain SMTP after HELO.
 */
export function receivedProtocol(session: SMTPServerSession): string {
  if (session.openingCommand === "HELO") return "SMTP";
  const base = session.envelope?.smtpUtf8 ? "UTF8SMTP" : "ESMTP";
  return base + (session.secure ? "S" : "") + (session.user ? "A" : "");
}

/** RFC 5321 §4.1.3 address literal of an IP: `[192.0.2.1]`, `[IPv6:2001:db8::1]`. */
function addressLiteral(ip: string): string {
  return isIPv6(ip) ? `[IPv6:${ip}]` : `[${ip}]`;
}

/**
 * The `Received:` trace field (RFC 5321 §4.4) we put on top of every message accepted on an SMTP
 * listener, with CRLF: on the MX who connected (its EHLO name when that is a valid domain or
 * address literal, always its IP); on submission our own name instead, so recipients do not learn
 * the sender's address (mox does the same); then our host name, the protocol with the TLS
 * version and cipher in a comment, the session id (it is in the logs too), the recipient when
 * there is exactly one (more would tell each recipient of the others), and the time.
 */
export function receivedField(o: {
  kind: ListenerKind;
  session: SMTPServerSession;
  ip: string;
  hostname: string;
  recipients: string[];
  now: number;
}): string {
  const { session } = o;
  let from = o.hostname;
  if (o.kind === "mx") {
    const ip = addressLiteral(o.ip || "0.0.0.0");
    const helo = session.hostNameAppearsAs ?? "";
    from = domainSyntax.test(helo) || literalSyntax.test(helo) ? `${helo} (${ip})` : `${ip} (${ip})`;
  }
  const cipher = (session as { tlsOptions?: Cipher | false }).tlsOptions;
  const tls = session.secure && cipher ? [cipher.version, cipher.standardName ?? cipher.name].filter(Boolean).join(" ") : "";
  return formatReceived({
    from,
    by: o.hostname,
    with: receivedProtocol(session),
    tls,
    id: String(session.id ?? "").replace(/[^A-Za-z0-9._-]/g, ""),
    for: o.recipients.length === 1 ? o.recipients[0] : undefined,
    date: o.now,
  });
}

/**
 * The fields local delivery adds per stored copy (as mox and Postfix do): `Return-Path:` with
 * the envelope sender (RFC 5321 §4.4: `<>` for a bounce) and `Delivered-To:` with the recipient.
 */
export function deliveryFields(mailFrom: string, rcptTo: string): string {
  return `Return-Path: <${mailFrom}>\r\nDelivered-To: ${rcptTo}\r\n`;
}
