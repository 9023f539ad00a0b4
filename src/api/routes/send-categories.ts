/**
 * Send's `UniqueID` and `Categories` (docs/api.md "Send extensions"): a UniqueID is up to 256
 * characters without control characters; categories are names from the account's configured
 * list (`*` in the list accepts any well-formed name, as localserve's account does), each given
 * once.
 */
import type { Account } from "../../store/index.js";
import { ApiError } from "../errors.js";
import type { SendRequest } from "../types.js";

const categoryRe = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Checks UniqueID and Categories; returns them as submitted to delivery. */
export function sendTags(account: Account, req: SendRequest): { uniqueId: string; categories: string[] } {
  if ([...req.UniqueID].length > 256) throw new ApiError("user", "UniqueID is longer than 256 characters");
  if (/[\x00-\x1f\x7f]/.test(req.UniqueID)) throw new ApiError("user", "UniqueID contains control characters");
  const allowed = account.settings.categories ?? [];
  const seen = new Set<string>();
  for (const c of req.Categories) {
    if (!categoryRe.test(c)) throw new ApiError("user", `category ${JSON.stringify(c)} is not a name (letters, digits, . _ -, at most 64)`);
    if (seen.has(c)) throw new ApiError("user", `category ${JSON.stringify(c)} given twice`);
    seen.add(c);
    if (c === "all") throw new ApiError("user", `"all" is not a category name (it means every category in PreferencesSet)`);
    if (!allowed.includes("*") && !allowed.includes(c)) {
      throw new ApiError("unknownCategory", `category ${JSON.stringify(c)} is not configured for this account${allowed.length ? ` (configured: ${allowed.join(", ")})` : ""}`);
    }
  }
  return { uniqueId: req.UniqueID, categories: req.Categories };
}
