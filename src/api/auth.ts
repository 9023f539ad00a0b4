/**
 * HTTP basic authentication for POSTs, in mox's order (docs/contract.md §1.2): missing credentials
 * → 401 (not counted), client IP → 500 if unknown, limiter → 429 before any password check
 * (per IP, then per account once the login is looked up),
 * then the password (a dummy KDF for unknown users, so timing and answer do not tell them
 * apart), then LoginDisabled. Any address of the account logs in, catchall variants included.
 */
import { isIP } from "node:net";
import type { Context } from "hono";
import { accountKey, parseBasic, verifyPassword, type AuthLimiter } from "../auth/index.js";
import type { Database } from "../db/index.js";
import { parseAddress } from "../smtp/index.js";
import { accountAddresses, findAddressOwner, findApiKey, type Account, type AddressOwner, type ApiKeyScope } from "../store/index.js";
import { ApiError, HttpError } from "./errors.js";

const unauthorized = "401 - unauthorized - use http basic auth with email address as username\n";
const challenge = { "WWW-Authenticate": "Basic realm=webapi" };

/** Who made the call. */
/**
 * The authenticated caller. `login` is the owner lookup of the canonical login address, kept so
 * a Send from that same address need not look it up again.
 */
export type Caller = {
  account: Account;
  loginAddress: string;
  remoteIp: string;
  login: { address: string; owner: AddressOwner };
  /** What an API key may do; null for a password login (everything). */
  scopes: readonly ApiKeyScope[] | null;
};

/** Checks the Authorization header of a POST; throws HttpError/ApiError when it fails. */
export async function authenticate(
  deps: { database: Database; limiter: AuthLimiter; trustForwarded: boolean },
  c: Context,
): Promise<Caller> {
  const header = c.req.header("authorization");
  const bearer = header ? /^bearer +(\S+) *$/i.exec(header)?.[1] : undefined;
  const creds = bearer ? null : parseBasic(header);
  if (!creds && !bearer) throw new HttpError(401, unauthorized, challenge);
  const remoteIp = clientIp(c, deps.trustForwarded);
  if (!remoteIp) throw new HttpError(500, "500 - internal server error - cannot find remote ip\n");
  if (!deps.limiter.allowed(remoteIp)) throw new HttpError(429, "429 - too many auth attempts\n");
  if (bearer) return authenticateKey(deps, bearer, remoteIp);
  if (!creds) throw new HttpError(401, unauthorized, challenge);

  let owner: Awaited<ReturnType<typeof findAddressOwner>> = null;
  const login = canonicalLogin(creds.user);
  try {
    owner = await findAddressOwner(deps.database.db, login);
  } catch (err) {
    throw new ApiError("server", "error verifying credentials", { cause: err });
  }
  // Per account too (an unknown user by the name given, so the answer does not tell them apart).
  const key = accountKey(login || creds.user, owner?.account.id);
  if (!deps.limiter.allowed(remoteIp, key)) throw new HttpError(429, "429 - too many auth attempts\n");
  // Unknown users run the same KDF against a dummy hash (verifyPassword with null).
  const ok = await verifyPassword(creds.password, owner?.account.passwordHash || null);
  if (!owner || !ok) {
    deps.limiter.failed(remoteIp, key);
    throw new HttpError(401, unauthorized, challenge);
  }
  if (owner.account.loginDisabled) {
    deps.limiter.failed(remoteIp, key);
    throw new HttpError(401, "401 - unauthorized - login is disabled for this account\n", challenge);
  }
  deps.limiter.succeeded(remoteIp, key);
  return { account: owner.account, loginAddress: creds.user, remoteIp, login: { address: login, owner }, scopes: null };
}

/**
 * An API key (`Authorization: Bearer pwk_...`): a random 256-bit secret compared by its hash, so
 * no KDF; a wrong or revoked key counts as a failed login of the client's network. The caller
 * logs in as the account's first login address (Send's default From).
 */
async function authenticateKey(deps: { database: Database; limiter: AuthLimiter }, key: string, remoteIp: string): Promise<Caller> {
  let found: Awaited<ReturnType<typeof findApiKey>>;
  let owner: AddressOwner | null = null;
  try {
    found = await findApiKey(deps.database.db, key);
    const address = found ? (await accountAddresses(deps.database.db, found.accountId))[0] : undefined;
    owner = address ? await findAddressOwner(deps.database.db, address) : null;
  } catch (err) {
    throw new ApiError("server", "error verifying credentials", { cause: err });
  }
  if (!found || !owner || owner.account.loginDisabled) {
    deps.limiter.failed(remoteIp, accountKey("api key", owner?.account.id));
    throw new HttpError(401, "401 - unauthorized - unknown or revoked api key\n", challenge);
  }
  return { account: owner.account, loginAddress: owner.address, remoteIp, login: { address: owner.address, owner }, scopes: found.scopes };
}


/** The login as stored (unicode, lowercase domain), or the input when it does not parse. */
function canonicalLogin(user: string): string {
  if (user.length > 320) return "";
  try {
    const a = parseAddress(user);
    return `${a.localpart}@${a.domain}`;
  } catch {
    return ""; // unparsable: no account has it, the dummy KDF still runs
  }
}

/**
 * The client IP: the rightmost X-Forwarded-For entry (the one our proxy appended) when the
 * listener is behind a trusted proxy, else the socket's peer address (from @hono/node-server's
 * bindings). Null when it cannot be determined.
 */
export function clientIp(c: Context, trustForwarded: boolean): string | null {
  if (trustForwarded) {
    const last = c.req.header("x-forwarded-for")?.split(",").pop()?.trim() ?? "";
    return isIP(last) ? last : null;
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  const ip = env?.incoming?.socket?.remoteAddress ?? "";
  return isIP(ip) ? ip : null;
}
