import type { Db } from "../db/index.js";
import type { RecipientResolver } from "../inbound/index.js";
import { findAddressOwner, getDomain } from "../store/index.js";

/** The production recipient lookup: hosted domains only; addresses and catchall variants. */
export function storeRecipientResolver(db: Db): RecipientResolver {
  return async (address) => {
    const at = address.lastIndexOf("@");
    const domain = await getDomain(db, address.slice(at + 1));
    if (!domain) return "unknownDomain";
    if (domain.disabled) return "domainDisabled";
    const owner = await findAddressOwner(db, address);
    if (!owner) return "unknownUser";
    return { accountId: owner.account.id, address: owner.address, rcptTo: address };
  };
}
