/**
 * SuppressionList, SuppressionAdd, SuppressionRemove, SuppressionPresent (docs/contract.md §1.5):
 * the authenticated account's list, keyed by base address. The list itself is delivery's;
 * addresses are parsed here first so an unparsable one is always `badAddress`.
 */
import { parseAddress } from "../../smtp/index.js";
import type { ApiDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { defineMethod, type ApiMethod } from "../registry.js";
import { emptyResult, suppressionT } from "../types.js";
import { t } from "../wire.js";

/** Refuses an unparsable address with `badAddress`. */
export function checkAddress(address: string): void {
  try {
    parseAddress(address);
  } catch (err) {
    throw new ApiError("badAddress", `parsing address ${JSON.stringify(address)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** The four suppression methods. */
export function suppressionRoutes(deps: ApiDeps): ApiMethod[] {
  const { db } = deps.database;
  const sup = deps.delivery.suppressions;
  return [
    defineMethod({
      name: "SuppressionList",
      summary: "Lists the account's suppressed addresses.",
      request: t.struct("SuppressionListRequest", {}),
      response: t.struct("SuppressionListResult", { Suppressions: t.list(suppressionT) }),
      async handle(call) {
        const rows = await sup.list(db, call.account.id);
        return {
          Suppressions: rows.map((r) => ({
            ID: r.id,
            Created: r.createdAt,
            Account: call.account.name,
            BaseAddress: r.baseAddress,
            OriginalAddress: r.originalAddress,
            Manual: r.manual,
            Reason: r.reason,
          })),
        };
      },
    }),
    defineMethod({
      name: "SuppressionAdd",
      summary: "Adds an address (by its base address) to the suppression list.",
      request: t.struct("SuppressionAddRequest", { EmailAddress: t.string, Manual: t.bool, Reason: t.string }),
      response: emptyResult("SuppressionAddResult"),
      async handle(call, req) {
        checkAddress(req.EmailAddress);
        await db.transaction((tx) => sup.add(tx, call.account.id, req.EmailAddress, req.Manual, req.Reason));
        return {};
      },
    }),
    defineMethod({
      name: "SuppressionRemove",
      summary: "Removes an address (any variant of its base address) from the suppression list.",
      request: t.struct("SuppressionRemoveRequest", { EmailAddress: t.string }),
      response: emptyResult("SuppressionRemoveResult"),
      async handle(call, req) {
        checkAddress(req.EmailAddress);
        await db.transaction((tx) => sup.remove(tx, call.account.id, req.EmailAddress));
        return {};
      },
    }),
    defineMethod({
      name: "SuppressionPresent",
      summary: "Tells whether an address is on the suppression list.",
      request: t.struct("SuppressionPresentRequest", { EmailAddress: t.string }),
      response: t.struct("SuppressionPresentResult", { Present: t.bool }),
      async handle(call, req) {
        checkAddress(req.EmailAddress);
        return { Present: await sup.present(db, call.account.id, req.EmailAddress) };
      },
    }),
  ];
}
