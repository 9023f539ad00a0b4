import type { IncomingMessage } from "node:http";
import { parseBasic, type AuthLimiter } from "../auth/index.js";
import type { Clock } from "../clock/index.js";
import type { DbOrTx } from "../db/index.js";
import { decodeCursor, type Cursor, type EventKind } from "../events/index.js";
import { oldestUndelivered } from "../push/index.js";
import { accountAddresses, findApiKey, getAccount } from "../store/index.js";
import { resolveAddressRules } from "./addresses.js";
import { EventStreamError } from "./errors.js";
import { parseKinds, splitList, type StreamFilter } from "./filter.js";
import type { ResolveLogin } from "./login.js";
import { parseInclude, type Include } from "./include.js";
import { snapshotTail } from "./position.js";
import { currentSnapshot } from "./queries.js";
import { lookupEventToken, normalizeIp, type EventTokenGrant } from "./tokens.js";

/** Who is connecting: the account, and the token's grant when a token was used. */
export type Principal = { accountId: number; token: EventTokenGrant | null };

/** What a connection subscribes to; `backfillThrough`: see Subscriber. */
export type Subscription = { filter: StreamFilter; addresses: string[]; since: Cursor | null; backfillThrough: Cursor | null; include: Include | null };

type AuthDeps = { db: DbOrTx; clock: Clock; limiter: AuthLimiter; resolveLogin: ResolveLogin };

/**
 * Authenticates an upgrade request before it is upgraded: a `?token=` from EventTokenCreate
 * (bound to its Origin and optional source IP), else basic auth, which a cross-site page must
 * not ride on (CSWSH): a request whose Origin is not the Host it was sent to is refused before
 * any password is checked. The failed-auth limiter (per IP and per account) is the one SMTP and
 * the webapi share.
 * @throws EventStreamError unauthorized (401), forbidden (403) or tooManyRequests (429).
 */
export async function authenticateUpgrade(deps: AuthDeps, req: IncomingMessage, url: URL, ip: string, scheme: RequestScheme): Promise<Principal> {
  const token = url.searchParams.get("token");
  if (token !== null) {
    if (!deps.limiter.allowed(ip)) throw new EventStreamError("tooManyRequests", "too many failed authentication attempts");
    const grant = await lookupEventToken(deps, token);
    const account = grant ? await getAccount(deps.db, grant.accountId) : null;
    if (!grant || !account || account.loginDisabled) {
      deps.limiter.failed(ip);
      throw new EventStreamError("unauthorized", "invalid or expired token");
    }
    if (!originAllowed(req, grant.origin, scheme)) throw new EventStreamError("forbidden", "origin not allowed for this token");
    if (grant.sourceIp && normalizeIp(ip) !== grant.sourceIp) throw new EventStreamError("forbidden", "source IP not allowed for this token");
    return { accountId: grant.accountId, token: grant };
  }
  if (!originAllowed(req, "", scheme)) throw new EventStreamError("forbidden", "cross-site request without a token");
  const bearer = /^bearer +(\S+) *$/i.exec(req.headers.authorization ?? "")?.[1];
  if (bearer) return authenticateKey(deps, bearer, ip);
  const creds = parseBasic(req.headers.authorization);
  if (!creds) throw new EventStreamError("unauthorized", "use http basic auth with an email address, or a token");
  if (!deps.limiter.allowed(ip)) throw new EventStreamError("tooManyRequests", "too many failed authentication attempts");
  const login = await deps.resolveLogin(creds.user, creds.password, (key) => deps.limiter.allowed(ip, key));
  if (login.limited) throw new EventStreamError("tooManyRequests", "too many failed authentication attempts");
  if (login.accountId === null) {
    deps.limiter.failed(ip, login.key);
    throw new EventStreamError("unauthorized", "bad credentials");
  }
  deps.limiter.succeeded(ip, login.key);
  return { accountId: login.accountId, token: null };
}

/** An API key with the `read` scope (the stream carries what EventList returns). */
async function authenticateKey(deps: AuthDeps, key: string, ip: string): Promise<Principal> {
  if (!deps.limiter.allowed(ip)) throw new EventStreamError("tooManyRequests", "too many failed authentication attempts");
  const found = await findApiKey(deps.db, key);
  const account = found ? await getAccount(deps.db, found.accountId) : null;
  if (!found || !account || account.loginDisabled) {
    deps.limiter.failed(ip);
    throw new EventStreamError("unauthorized", "unknown or revoked api key");
  }
  if (!found.scopes.includes("read")) throw new EventStreamError("forbidden", "this api key lacks the read scope");
  return { accountId: found.accountId, token: null };
}

/**
 * Reads `addresses`, `kinds` and `since` from the query, within what the principal may see.
 * @throws EventStreamError badRequest or forbidden (answered with an error frame and 1008).
 */
export async function resolveSubscription(db: DbOrTx, p: Principal, url: URL, now: Date): Promise<Subscription> {
  const q = url.searchParams;
  const tokenAddresses = p.token?.addresses ?? [];
  const requested = splitList(q.get("addresses"));
  const pushRecipient = p.token?.pushRecipientId ?? null;
  // A push recipient's token without addresses carries no mail events at all.
  if (pushRecipient !== null && !tokenAddresses.length && requested.length) throw new EventStreamError("forbidden", "this token names no mail addresses");
  const rules = pushRecipient !== null && !tokenAddresses.length
    ? []
    : requested.length
    ? await resolveAddressRules(db, p.accountId, requested, tokenAddresses)
    : tokenAddresses.length
      ? await resolveAddressRules(db, p.accountId, tokenAddresses)
      : null;
  let kinds: EventKind[] = parseKinds(splitList(q.get("kinds")));
  const tokenKinds = p.token?.kinds ?? [];
  if (tokenKinds.length) {
    const outside = kinds.find((k) => !tokenKinds.includes(k));
    if (outside) throw new EventStreamError("forbidden", `event kind ${outside} is outside this token`);
    if (!kinds.length) kinds = tokenKinds;
  }
  let since: Cursor | null = null;
  const s = q.get("since");
  if (s !== null) {
    try {
      since = decodeCursor(s);
    } catch (err) {
      throw new EventStreamError("badRequest", "malformed since cursor", { cause: err });
    }
  }
  const push = pushRecipient === null ? null : { recipientId: pushRecipient, topics: new Set(p.token!.topics) };
  const backfill = since === null && push ? await backfillStart(db, p.accountId, push.recipientId, now) : null;
  return {
    filter: { kinds: kinds.length ? new Set(kinds) : null, addresses: rules, push },
    addresses: rules ? rules.map((r) => r.address) : await accountAddresses(db, p.accountId),
    since: since ?? backfill,
    backfillThrough: backfill ? snapshotTail(await currentSnapshot(db)) : null,
    include: parseInclude(splitList(q.get("include"))),
  };
}

// A push recipient connecting without `since` starts just before its oldest undelivered push
// (made while it was away, or a global push older than its registration); null: start now.
async function backfillStart(db: DbOrTx, accountId: number, recipientId: number, now: Date): Promise<Cursor | null> {
  const oldest = await oldestUndelivered(db, accountId, recipientId, now);
  return oldest ? { txId: oldest.txId, id: oldest.id - 1 } : null;
}

/** The scheme a request reached us by (`https` for a WebSocket over TLS). */
export type RequestScheme = "http" | "https";

/**
 * The Origin check. With a token bound to an origin, the request's Origin must be exactly it.
 * Otherwise the request must not be cross-site: no Origin (non-browser clients) and no
 * `Sec-Fetch-Site: cross-site`, or an Origin whose scheme is the request's own (`scheme`) and
 * whose host:port is the Host header's: `http://mail.example` is another origin than
 * `https://mail.example` (a page served over plain HTTP must not ride on the TLS site's login).
 */
export function originAllowed(req: IncomingMessage, tokenOrigin: string, scheme: RequestScheme): boolean {
  const origin = req.headers.origin;
  if (tokenOrigin) return origin !== undefined && safeOrigin(origin) === tokenOrigin;
  if (origin === undefined) return req.headers["sec-fetch-site"] !== "cross-site";
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false; // "null" and garbage origins are cross-site
  }
  if (u.protocol !== `${scheme}:`) return false;
  const defaultPort = scheme === "https" ? ":443" : ":80";
  const host = (req.headers.host ?? "").toLowerCase();
  const bare = host.endsWith(defaultPort) ? host.slice(0, -defaultPort.length) : host;
  return bare !== "" && bare === u.host;
}

function safeOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return "";
  }
}

