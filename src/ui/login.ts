/**
 * The login form and its check: any address of an account and its password, through the
 * failed-auth limiter the webapi and SMTP AUTH share (per IP before anything else, then per
 * account), the KDF run against a dummy hash for unknown addresses so answers and timing do
 * not tell them apart. Success sets the signed session cookie.
 */
import type { Context } from "hono";
import { setCookie, deleteCookie } from "hono/cookie";
import { accountKey, verifyPassword } from "../auth/index.js";
import { parseAddress } from "../smtp/index.js";
import { findAddressOwner } from "../store/index.js";
import { peerIp } from "./access.js";
import type { UiDeps } from "./deps.js";
import { h } from "./html.js";
import { page } from "./layout.js";
import { sessionCookie, signSession } from "./session.js";

/** The login page, with an optional error line. */
export function loginPage(deps: UiDeps, error = "", address = ""): string {
  return page(
    { title: "Log in", version: deps.version },
    h`<form class="login" method="post" action="/ui/login">
<h1>Log in</h1>
${error ? h`<p class="warn" role="alert">${error}</p>` : ""}
<label for="address">Email address</label>
<input id="address" name="address" type="email" autocomplete="username" required value="${address}" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button>Log in</button>
</form>`,
  );
}

function canonical(address: string): string {
  if (address.length > 320) return "";
  try {
    const a = parseAddress(address);
    return `${a.localpart}@${a.domain}`;
  } catch {
    return ""; // no account has it; the dummy KDF still runs
  }
}

/** Handles POST /ui/login. */
export async function login(deps: UiDeps, c: Context): Promise<Response> {
  const body = await c.req.parseBody();
  const address = typeof body.address === "string" ? body.address.trim() : "";
  const password = typeof body.password === "string" ? body.password : "";
  const ip = peerIp(c);
  const again = (status: 401 | 429, msg: string) => c.html(loginPage(deps, msg, address), status);
  if (!ip || !deps.limiter.allowed(ip)) return again(429, "Too many failed logins from your address; try again later.");
  const login = canonical(address);
  const owner = login ? await findAddressOwner(deps.database.db, login) : null;
  const key = accountKey(login || address, owner?.account.id);
  if (!deps.limiter.allowed(ip, key)) return again(429, "Too many failed logins for this account; try again later.");
  const ok = await verifyPassword(password, owner?.account.passwordHash || null);
  if (!owner || !ok || owner.account.loginDisabled) {
    deps.limiter.failed(ip, key);
    return again(401, "Wrong address or password.");
  }
  deps.limiter.succeeded(ip, key);
  const expires = deps.clock.now() + deps.sessionLifetimeMs;
  setCookie(c, sessionCookie, signSession(deps.sessionKey, owner.account.id, expires, owner.account.passwordHash), {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: Math.floor(deps.sessionLifetimeMs / 1000),
  });
  return c.redirect("/", 303);
}

/** Handles POST /ui/logout (the caller checked the CSRF token). */
export function logout(c: Context): Response {
  deleteCookie(c, sessionCookie, { path: "/" });
  return c.redirect("/ui/login", 303);
}
