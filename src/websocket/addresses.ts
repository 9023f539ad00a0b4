import type { DbOrTx } from "../db/index.js";
import { findAddressOwner, getDomain } from "../store/index.js";
import { EventStreamError } from "./errors.js";
import { addressRule, maxFilterItems, type AddressRule } from "./filter.js";

/**
 * Checks the addresses a subscriber or token asks for and builds their match rules. An address
 * another account owns is refused (it could never match, and asking is a probe); an address no
 * account owns is allowed as a filter (catch-all setups such as localserve deliver those into
 * one account; its `+tag` variants match too). `allowed` (a token's own list, when non-empty) bounds the request.
 * @throws EventStreamError badRequest for malformed input, forbidden for foreign addresses.
 */
export async function resolveAddressRules(
  db: DbOrTx,
  accountId: number,
  requested: readonly string[],
  allowed: readonly string[] = [],
): Promise<AddressRule[]> {
  if (requested.length > maxFilterItems) throw new EventStreamError("badRequest", `at most ${maxFilterItems} addresses`);
  const rules: AddressRule[] = [];
  for (const raw of requested) {
    const address = raw.trim().toLowerCase();
    const at = address.lastIndexOf("@");
    if (address.length > 320 || at < 1 || at === address.length - 1 || /[\s,\x00-\x1f]/.test(address)) {
      throw new EventStreamError("badRequest", `malformed address ${JSON.stringify(raw.slice(0, 80))}`);
    }
    if (allowed.length && !allowed.includes(address)) {
      throw new EventStreamError("forbidden", `address ${address} is outside this token`);
    }
    const owner = await findAddressOwner(db, address);
    if (owner && owner.account.id !== accountId) {
      throw new EventStreamError("forbidden", `address ${address} is not in this account`);
    }
    // A domain no one configured is caught by a catch-all (localserve): its variants use "+".
    const separator = owner ? owner.domain.catchallSeparator : ((await getDomain(db, address.slice(at + 1)))?.catchallSeparator ?? "+");
    if (!rules.some((r) => r.address === address)) rules.push(addressRule(address, separator));
  }
  return rules;
}
