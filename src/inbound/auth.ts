import type { SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerSession } from "smtp-server";
import { accountKey, verifyPassword } from "../auth/index.js";
import { getAccount } from "../store/index.js";
import { SmtpError, smtpError } from "../smtp/index.js";
import { stateOf } from "./state.js";
import type { InboundDeps } from "./types.js";

/**
 * SMTP AUTH (PLAIN/LOGIN): an authorization identity other than the login is refused (535
 * 5.7.8) before the password is looked at; the failed-auth limiter is checked first, per IP and then per account
 * (421 4.7.0 and close), the password is compared in constant time (a dummy KDF for unknown
 * users, so replies and timing match), and each failure answers 535 5.7.8 after a delay that
 * grows with the failures of the IP or of the account, whichever has more. An unknown user is
 * counted under the name it gave, so the limit does not tell it from a known one.
 */
export async function authenticate(
  deps: InboundDeps,
  auth: SMTPServerAuthentication,
  session: SMTPServerSession,
): Promise<SMTPServerAuthenticationResponse> {
  const st = stateOf(session);
  if (!deps.limiter.allowed(st.ip)) throw smtpError("authTooManyFailures");
  const username = String(auth.username ?? "").toLowerCase();
  // RFC 4616 §2: an authorization identity asks to act as someone else; we have no such
  // permission, so any other than the login itself is refused (mox too), never silently dropped.
  const authzid = String((auth as { authzid?: unknown }).authzid ?? "").toLowerCase();
  if (authzid && authzid !== username) {
    throw new SmtpError(535, "5.7.8", "authorization identity must be empty or the login itself; acting as another user is not supported");
  }
  const owner = username.includes("@") ? await deps.resolveRecipient(username) : "unknownUser";
  const key = accountKey(username, typeof owner === "string" ? null : owner.accountId);
  if (!deps.limiter.allowed(st.ip, key)) throw smtpError("authTooManyFailures");
  const account = typeof owner === "string" ? null : await getAccount(deps.database.db, owner.accountId);
  const ok = await verifyPassword(String(auth.password ?? ""), account && !account.loginDisabled ? account.passwordHash || null : null);
  if (!ok || !account || typeof owner === "string") {
    deps.limiter.failed(st.ip, key);
    const delay = Math.min(deps.limiter.recentFailures(st.ip, key) * 250, 5000);
    await new Promise((r) => setTimeout(r, delay));
    if (!deps.limiter.allowed(st.ip, key)) throw smtpError("authTooManyFailures");
    throw smtpError("authFailed");
  }
  deps.limiter.succeeded(st.ip, key);
  st.login = { accountId: account.id, address: username };
  return { user: { accountId: account.id, address: username } };
}
