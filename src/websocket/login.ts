import { verifyPassword } from "../auth/index.js";
import type { DbOrTx } from "../db/index.js";
import { parseAddress } from "../smtp/index.js";
import { findAddressOwner } from "../store/index.js";

/** Checks a basic-auth login; resolves the account id, or null for any failure. */
export type ResolveLogin = (address: string, password: string) => Promise<{ accountId: number } | null>;

/**
 * The production login check, as the webapi does it: any address of the account (catchall
 * variants included), the password verified in constant time, and the same KDF run against a
 * dummy hash for unknown users so timing does not tell them apart. Disabled logins fail.
 */
export function storeLogin(db: DbOrTx): ResolveLogin {
  return async (address, password) => {
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
    const ok = await verifyPassword(password, owner?.account.passwordHash || null);
    if (!owner || !ok || owner.account.loginDisabled) return null;
    return { accountId: owner.account.id };
  };
}
