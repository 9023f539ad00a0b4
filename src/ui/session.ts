/**
 * Sessions without server state: the cookie holds the account id, an expiry and a nonce,
 * signed with HMAC-SHA256 over those and the account's password hash (a password change ends
 * every session). The CSRF token is an HMAC of the nonce: a page of another site can neither
 * read it nor derive it, so a state-changing request must come from a page we served.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** Name of the session cookie. */
export const sessionCookie = "postwire_session";

/** A verified session. */
export type Session = { accountId: number; expires: number; nonce: string };

function mac(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text).digest("base64url");
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A new session cookie value for an account. */
export function signSession(key: Buffer, accountId: number, expires: number, passwordHash: string): string {
  const nonce = randomBytes(16).toString("base64url");
  const body = `${accountId}.${expires}.${nonce}`;
  return `${body}.${mac(key, `${body}.${passwordHash}`)}`;
}

/** The session a cookie value names, before its signature is checked (to look up the account). */
export function readSession(value: string | undefined): (Session & { body: string; sig: string }) | null {
  const m = value ? /^(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value) : null;
  if (!m) return null;
  return { accountId: Number(m[1]), expires: Number(m[2]), nonce: m[3]!, body: `${m[1]}.${m[2]}.${m[3]}`, sig: m[4]! };
}

/** True when the cookie's signature matches the account's current password hash and it has not expired. */
export function sessionValid(key: Buffer, s: { body: string; sig: string; expires: number }, passwordHash: string, now: number): boolean {
  return s.expires > now && same(mac(key, `${s.body}.${passwordHash}`), s.sig);
}

/** The CSRF token of a session (or of the open, loginless mode: nonce "open"). */
export function csrfToken(key: Buffer, nonce: string): string {
  return mac(key, `csrf.${nonce}`);
}

/** Checks a submitted CSRF token in constant time. */
export function csrfValid(key: Buffer, nonce: string, submitted: string | undefined): boolean {
  return typeof submitted === "string" && same(csrfToken(key, nonce), submitted);
}
