import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

const scrypt = (pw: Buffer, salt: Buffer, len: number, o: ScryptOptions) =>
  new Promise<Buffer>((res, rej) => scryptCb(pw, salt, len, o, (e, k) => (e ? rej(e) : res(k))));

const params = { N: 16384, r: 8, p: 1 } as const;

/**
 * PRECIS OpaqueString (RFC 8265) as mox applies it before comparing: non-ASCII spaces become
 * U+0020, then NFC. A password typed in NFD or with odd spaces still matches.
 */
export function normalizePassword(pw: string): string {
  return pw.replace(/[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g, " ").normalize("NFC");
}

/** Hashes a password as `scrypt$N$r$p$<salt b64>$<key b64>`. */
export async function hashPassword(pw: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(Buffer.from(normalizePassword(pw)), salt, 32, { ...params, maxmem: 64 << 20 });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

// A hash no password matches, checked for unknown users so their timing equals known ones.
const dummyHash = `scrypt$${params.N}$${params.r}$${params.p}$${Buffer.alloc(16).toString("base64")}$${Buffer.alloc(32, 1).toString("base64")}`;

// Successful checks are remembered for a minute so API clients and WebSocket upgrades that send
// basic auth on every request do not pay the KDF each time. Keys are an HMAC (with a key that
// never leaves this process) of the stored hash and the password; only successes are kept.
const cacheKey = randomBytes(32);
const verified = new Map<string, number>();
const verifiedTtlMs = 60_000;
// Checks of the same password against the same hash that overlap share one KDF run: a client
// opening many connections at once (WebSocket subscribers, a connection pool) costs one 16 MiB
// scrypt instead of one per connection, which also held that memory in each libuv thread's
// malloc arena (30 MB of RSS after 10,000 WebSocket upgrades in batches of 25).
const inFlight = new Map<string, Promise<boolean>>();

function remembered(pw: string, hash: string): { key: string; hit: boolean } {
  const key = createHmac("sha256", cacheKey).update(hash).update("\0").update(pw).digest("base64");
  const until = verified.get(key);
  if (until !== undefined && until > Date.now()) return { key, hit: true };
  if (until !== undefined) verified.delete(key);
  return { key, hit: false };
}

/** Verifies in constant time; `hash` null runs the same KDF against a dummy and returns false. */
export async function verifyPassword(pw: string, hash: string | null): Promise<boolean> {
  const memo = hash ? remembered(pw, hash) : null;
  if (memo?.hit) return true;
  if (!memo) return verifyWithKdf(pw, hash);
  let check = inFlight.get(memo.key);
  if (!check) {
    check = verifyWithKdf(pw, hash).finally(() => inFlight.delete(memo.key));
    inFlight.set(memo.key, check);
  }
  const ok = await check;
  if (ok) {
    if (verified.size >= 10_000) verified.clear(); // bounded; a refill costs one KDF per client
    verified.set(memo.key, Date.now() + verifiedTtlMs);
  }
  return ok;
}

async function verifyWithKdf(pw: string, hash: string | null): Promise<boolean> {
  const parts = (hash || dummyHash).split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  const want = Buffer.from(key, "base64");
  const got = await scrypt(Buffer.from(normalizePassword(pw)), Buffer.from(salt, "base64"), want.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 << 20,
  });
  return timingSafeEqual(got, want) && hash !== null;
}
