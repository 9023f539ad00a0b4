/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): secrets `whsec_<base64>`, and
 * `webhook-signature` = space-separated `v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`,
 * one entry per active secret so receivers keep verifying during a key rotation.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { InvalidSecretError } from "./errors.js";

/** Prefix of signing secrets. */
export const SECRET_PREFIX = "whsec_";
/** Minimum decoded secret length required by Standard Webhooks. */
export const MIN_SECRET_BYTES = 24;
/** Length of generated secrets. */
export const DEFAULT_SECRET_BYTES = 32;
/** Default tolerance of {@link verifySignature} for the timestamp, as in the reference libraries. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Generates a fresh secret `whsec_<base64 of random bytes>` (default 32 bytes, at least 24). */
export function generateSecret(bytes: number = DEFAULT_SECRET_BYTES): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES) {
    throw new RangeError(`generating secret: need at least ${MIN_SECRET_BYTES} bytes, got ${bytes}`);
  }
  return SECRET_PREFIX + randomBytes(bytes).toString("base64");
}

/**
 * Decodes a `whsec_` secret into its key bytes. Strict: the prefix is required, the rest must be
 * padded standard base64 of at least 24 bytes (Node's decoder would silently skip bad characters).
 * @throws InvalidSecretError naming what is wrong, never echoing the secret.
 */
export function parseSecret(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new InvalidSecretError(`parsing webhook secret: must start with "${SECRET_PREFIX}"`);
  }
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (b64 === "" || !BASE64.test(b64)) {
    throw new InvalidSecretError("parsing webhook secret: not valid base64 after the prefix");
  }
  const key = Buffer.from(b64, "base64");
  if (key.length < MIN_SECRET_BYTES) {
    throw new InvalidSecretError(
      `parsing webhook secret: key is ${key.length} bytes, need at least ${MIN_SECRET_BYTES}`,
    );
  }
  return key;
}

/** Standard Webhooks timestamp: integer seconds since the epoch. */
export function webhookTimestamp(date: Date | number): number {
  return Math.floor((typeof date === "number" ? date : date.getTime()) / 1000);
}

function hmac(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): Buffer {
  // Signed content is "<id>.<timestamp>.<body>" over the exact body bytes that are sent.
  return createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** One signature entry `v1,<base64>` for a secret. */
export function signPayload(secret: string, id: string, timestamp: number, body: string | Uint8Array): string {
  return `v1,${hmac(parseSecret(secret), id, timestamp, body).toString("base64")}`;
}

/**
 * The `webhook-signature` header value: one `v1,<base64>` per secret, space-separated, in the
 * order given (put the newest secret first during rotation). Empty string when there are no secrets.
 * @param timestamp the same integer seconds sent as `webhook-timestamp`.
 */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string | Uint8Array,
): string {
  if (!Number.isSafeInteger(timestamp)) throw new RangeError(`signing webhook: bad timestamp ${timestamp}`);
  return secrets.map((s) => signPayload(s, id, timestamp, body)).join(" ");
}

/** The three Standard Webhooks headers as received. */
export interface SignedHeaders {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
}

/** Options of {@link verifySignature}. */
export interface VerifyOptions {
  /** Current time in ms (default `Date.now()`). */
  readonly now?: number;
  /** Accepted clock difference in seconds (default 300). */
  readonly toleranceSeconds?: number;
}

/**
 * Checks a received webhook against one secret: true when the timestamp is within tolerance and
 * any `v1` entry of the signature header matches (constant-time compare). Our own tests use it;
 * receivers can use any Standard Webhooks library.
 */
export function verifySignature(
  secret: string,
  headers: SignedHeaders,
  body: string | Uint8Array,
  options: VerifyOptions = {},
): boolean {
  if (!/^\d{1,15}$/.test(headers.timestamp)) return false;
  const ts = Number(headers.timestamp);
  const now = webhookTimestamp(options.now ?? Date.now());
  if (Math.abs(now - ts) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  // Compare the base64 text, not decoded bytes: Node's lenient decoder would accept variants.
  const expected = Buffer.from(hmac(parseSecret(secret), headers.id, ts, body).toString("base64"));
  let matched = false;
  for (const entry of headers.signature.split(" ")) {
    const [version, sig] = entry.split(",", 2);
    if (version !== "v1" || sig === undefined) continue;
    const given = Buffer.from(sig);
    // timingSafeEqual needs equal lengths; the length itself is not secret.
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  return matched;
}
