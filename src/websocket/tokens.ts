import { createHash, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import type { Clock } from "../clock/index.js";
import type { DbOrTx } from "../db/index.js";
import type { EventKind } from "../events/index.js";
import { resolveAddressRules } from "./addresses.js";
import { EventStreamError } from "./errors.js";
import { parseKinds } from "./filter.js";
import { deleteExpiredEventTokens, findEventToken, insertEventToken } from "./queries.js";

/** What EventTokenCreate asks for. Empty lists mean "all"; validSeconds 0 means the default. */
export type EventTokenRequest = {
  addresses: readonly string[];
  kinds: readonly string[];
  /** The web page's origin (`https://app.example`) allowed to connect; "" for none (non-browser). */
  origin: string;
  /** Only this client IP may connect; "" for any. */
  sourceIp: string;
  validSeconds: number;
  /** Connect as this push recipient (PushRecipientRegister); empty addresses then mean no mail events. */
  pushRecipientId?: number | null;
  /** The push recipient's topics. */
  topics?: readonly string[];
};

/** What a valid token allows. */
export type EventTokenGrant = {
  accountId: number;
  addresses: string[];
  kinds: EventKind[];
  origin: string;
  sourceIp: string;
  expiresAt: Date;
  /** The push recipient it connects as, or null (mail events only). */
  pushRecipientId: number | null;
  topics: string[];
};

/** Default and longest token lifetime. */
export const tokenLifetime = { defaultSeconds: 3600, maxSeconds: 7 * 86_400 } as const;

const tokenRe = /^pwev_[A-Za-z0-9_-]{43}$/;

/** SHA-256 hex of a token: the only form stored. */
function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The ASCII serialisation of an http(s) origin. @throws EventStreamError badRequest. */
export function normalizeOrigin(origin: string): string {
  let u: URL;
  try {
    u = new URL(origin);
  } catch (err) {
    throw new EventStreamError("badRequest", `malformed origin ${JSON.stringify(origin.slice(0, 80))}`, { cause: err });
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.username || u.password || (u.pathname !== "/" && u.pathname !== "") || u.search || u.hash) {
    throw new EventStreamError("badRequest", `origin must be scheme://host[:port], got ${JSON.stringify(origin.slice(0, 80))}`);
  }
  return u.origin;
}

/** An IP in the form sockets report it, with IPv4-mapped IPv6 unwrapped. */
export function normalizeIp(ip: string): string {
  return ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip.toLowerCase();
}

/**
 * Mints a token for an account: validates the filters against the account (as a subscription
 * would), stores its hash with the grant and returns the token once. Expired tokens of the
 * account are deleted on the way.
 * @throws EventStreamError on an invalid request.
 */
export async function createEventToken(
  deps: { db: DbOrTx; clock: Clock },
  accountId: number,
  req: EventTokenRequest,
): Promise<{ token: string; expires: Date; grant: EventTokenGrant }> {
  const rules = await resolveAddressRules(deps.db, accountId, req.addresses);
  const kinds = parseKinds(req.kinds);
  const origin = req.origin.trim() ? normalizeOrigin(req.origin.trim()) : "";
  const sourceIp = req.sourceIp.trim();
  if (sourceIp && !isIP(sourceIp)) throw new EventStreamError("badRequest", `malformed source IP ${JSON.stringify(sourceIp.slice(0, 60))}`);
  const seconds = req.validSeconds || tokenLifetime.defaultSeconds;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > tokenLifetime.maxSeconds) {
    throw new EventStreamError("badRequest", `validity must be 1 to ${tokenLifetime.maxSeconds} seconds`);
  }
  const now = new Date(deps.clock.now());
  const expiresAt = new Date(now.getTime() + seconds * 1000);
  const token = `pwev_${randomBytes(32).toString("base64url")}`;
  const grant: EventTokenGrant = {
    accountId,
    addresses: rules.map((r) => r.address),
    kinds,
    origin,
    sourceIp: sourceIp ? normalizeIp(sourceIp) : "",
    expiresAt,
    pushRecipientId: req.pushRecipientId ?? null,
    topics: [...new Set(req.topics ?? [])],
  };
  await deleteExpiredEventTokens(deps.db, accountId, now);
  await insertEventToken(deps.db, { ...grant, tokenHash: hashToken(token) });
  return { token, expires: expiresAt, grant };
}

/** The grant of a token, or null when it is malformed, unknown or expired. */
export async function lookupEventToken(deps: { db: DbOrTx; clock: Clock }, token: string): Promise<EventTokenGrant | null> {
  if (!tokenRe.test(token)) return null;
  const row = await findEventToken(deps.db, hashToken(token));
  if (!row || row.expiresAt.getTime() <= deps.clock.now()) return null;
  return {
    accountId: row.accountId,
    addresses: row.addresses,
    kinds: row.kinds as EventKind[],
    origin: row.origin,
    sourceIp: row.sourceIp,
    expiresAt: row.expiresAt,
    pushRecipientId: row.pushRecipientId,
    topics: row.topics,
  };
}
