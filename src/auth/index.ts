/**
 * Credentials: scrypt password hashes (never plaintext), PRECIS normalisation, constant-time
 * checks with a dummy KDF for unknown users, and the failed-auth limiter shared by SMTP and HTTP.
 * Account lookup itself belongs to store/.
 */
export { hashPassword, verifyPassword, normalizePassword } from "./password.js";
export { accountKey, createAuthLimiter, defaultAuthLimits, type AuthLimiter, type AuthLimits } from "./limiter.js";
export { parseBasic } from "./basic.js";
