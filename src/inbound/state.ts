import type { SMTPServerSession } from "smtp-server";
import type { LocalRecipient } from "./types.js";

/** Our per-connection state, beside smtp-server's session (which it resets per transaction). */
export type SessionState = {
  ip: string;
  login: { accountId: number; address: string } | null;
  recipients: LocalRecipient[];
  /** Recipient strings accepted for a submission, in RCPT order. */
  outgoing: string[];
  messageKey: string;
  /** The server is working on the client's last command (e.g. committing DATA): deadlines wait. */
  busy: boolean;
};

const states = new WeakMap<SMTPServerSession, SessionState>();

/** The state of a session, created on first use. */
export function stateOf(session: SMTPServerSession): SessionState {
  let s = states.get(session);
  if (!s) {
    s = { ip: normalizeIp(session.remoteAddress), login: null, recipients: [], outgoing: [], messageKey: "", busy: false };
    states.set(session, s);
  }
  return s;
}

/** Strips the IPv4-mapped prefix so limits and logs see one form of an address. */
export function normalizeIp(ip: string | undefined): string {
  if (!ip) return ""; // a client that left before the greeting has no address any more
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}
