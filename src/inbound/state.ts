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
};

const states = new WeakMap<SMTPServerSession, SessionState>();

/** The state of a session, created on first use. */
export function stateOf(session: SMTPServerSession): SessionState {
  let s = states.get(session);
  if (!s) {
    s = { ip: normalizeIp(session.remoteAddress), login: null, recipients: [], outgoing: [], messageKey: "" };
    states.set(session, s);
  }
  return s;
}

/** Strips the IPv4-mapped prefix so limits and logs see one form of an address. */
export function normalizeIp(ip: string): string {
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}
