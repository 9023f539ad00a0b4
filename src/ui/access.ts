/**
 * Who is asking: the loginless account for loopback clients (localserve), else the account of
 * a valid session cookie. And the checks every state-changing request passes: same-site
 * origin and the session's CSRF token.
 */
import { isIP } from "node:net";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { getAccount, type Account } from "../store/index.js";
import type { UiDeps } from "./deps.js";
import { csrfToken, csrfValid, readSession, sessionCookie, sessionValid } from "./session.js";

/** The account a request acts for, with the token its forms must carry. */
export type Viewer = { accountId: number; name: string; csrf: string; nonce: string; open: boolean };

/** The socket's peer address (IPv4-mapped IPv6 unwrapped), or "". */
export function peerIp(c: Context): string {
  const ip = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? "";
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  return isIP(v4) ? v4 : "";
}

function loopbackIp(ip: string): boolean {
  return ip === "::1" || /^127\./.test(ip);
}

// A page fetched by a name that is not loopback may come through DNS rebinding (another
// site's name pointed at 127.0.0.1): such requests get the login page, not the open inbox.
function loopbackHost(host: string | undefined): boolean {
  const name = (host ?? "").replace(/:\d+$/, "").toLowerCase();
  return name === "localhost" || name === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(name) || name.endsWith(".localhost");
}

/** The viewer of a request, or null when it must log in. */
export async function viewer(deps: UiDeps, c: Context): Promise<Viewer | null> {
  if (deps.openAccount && loopbackIp(peerIp(c)) && loopbackHost(c.req.header("host"))) {
    const id = deps.openAccount();
    const acc = await getAccount(deps.database.db, id);
    if (acc) return { accountId: id, name: acc.name, csrf: csrfToken(deps.sessionKey, "open"), nonce: "open", open: true };
  }
  const s = readSession(getCookie(c, sessionCookie));
  if (!s) return null;
  const acc: Account | null = await getAccount(deps.database.db, s.accountId);
  if (!acc || acc.loginDisabled || !sessionValid(deps.sessionKey, s, acc.passwordHash, deps.clock.now())) return null;
  return { accountId: acc.id, name: acc.name, csrf: csrfToken(deps.sessionKey, s.nonce), nonce: s.nonce, open: false };
}

/** True when a request comes from a page of another site (Origin or Sec-Fetch-Site says so). */
export function crossSite(c: Context): boolean {
  if (c.req.header("sec-fetch-site")?.toLowerCase() === "cross-site") return true;
  const origin = c.req.header("origin");
  if (origin === undefined) return false;
  try {
    return new URL(origin).host.toLowerCase() !== (c.req.header("host") ?? "").toLowerCase();
  } catch {
    return true; // "null" (sandboxed frames, file: pages)
  }
}

/** True when the submitted token (form field `csrf` or header X-CSRF-Token) is the viewer's. */
export function csrfOk(deps: UiDeps, v: Viewer, submitted: string | undefined): boolean {
  return csrfValid(deps.sessionKey, v.nonce, submitted);
}
