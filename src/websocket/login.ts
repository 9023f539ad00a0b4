import { accountKey, verifyPassword } from "../auth/index.js";
import type { DbOrTx } from "../db/index.js";
import { parseAddress } from "../smtp/index.js";
import { findAddressOwner } from "../store/index.js";

/**
 * Checks a basic-auth login: `key` is the failed-auth limiter's account key (see accountKey),
 * `accountId` null for any failure. `allowed` is asked with the key before the password is
 * checked; when it says no, the result is `limited` and no password was checked.
 */
export type ResolveLogin = (
  address: string,
  password: string,
  allowed: (key: string) => boolean,
) => Promise<{ accountId: number | null; key: string; limited?: true }>;

/**
 * The production login check, as the webapi does it: any address of the account (catchall
 * variants included), the password verified in constant time, and the same KDF run against a
 * dummy hash for unknown users so timing does not tell them apart. Disabled logins fail. The
 * account is counted by the failed-auth limiter as the webapi and SMTP AUTH count it.
 */
export function storeLogin(db: DbOrTx): ResolveLogin {
  return async (address, password, allowed) => {
    let canonical = "";
    try {
      if (address.length <= 320) {
        const a = parseAddress(address);
        canonical = `${a.localpart}@${a.domain}`;
      }
    } catch {
      canonical = ""; // unparsable: no account has it; the dummy KDF below still runs
    }
    const owner = canonical ? await findAddressOwner(db, canonical) : null;
    const key = accountKey(canonical || address, owner?.account.id);
    if (!allowed(key)) return { accountId: null, key, limited: true };
    const ok = await verifyPassword(password, owner?.account.passwordHash || null);
    if (!owner || !ok || owner.account.loginDisabled) return { accountId: null, key };
    return { accountId: owner.account.id, key };
  };
}
