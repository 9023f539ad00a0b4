/**
 * PreferencesGet and PreferencesSet (Postwire extensions): what a recipient does not want from
 * the caller's account: category names, or `["all"]` for every categorized mail. A Send with an
 * opted-out category is not delivered to that recipient (a `suppressed` event with Suppressing
 * false); one-click unsubscribe adds to the same list. Preferences are the account's own.
 */
import type { Preference } from "../../delivery/index.js";
import type { ApiDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { defineMethod, type ApiMethod } from "../registry.js";
import { t, type Infer } from "../wire.js";
import { checkAddress } from "./suppressions.js";

const preferencesT = t.struct("Preferences", { Address: t.string, OptOut: t.list(t.string), Updated: t.nullable(t.time) });

function wire(p: Preference): Infer<typeof preferencesT> {
  return { Address: p.address, OptOut: p.all ? ["all"] : p.optOut, Updated: p.updatedAt };
}

/** The two preference methods. */
export function preferenceRoutes(deps: ApiDeps): ApiMethod[] {
  const { db } = deps.database;
  return [
    defineMethod({
      name: "PreferencesGet",
      summary: "Returns the categories a recipient opted out of (\"all\": every categorized mail).",
      extension: true,
      request: t.struct("PreferencesGetRequest", { Address: t.string }),
      response: preferencesT,
      async handle(call, req) {
        checkAddress(req.Address);
        return wire(await deps.delivery.preferences.get(db, call.account.id, req.Address));
      },
    }),
    defineMethod({
      name: "PreferencesSet",
      summary: "Replaces a recipient's opt-outs: category names, or [\"all\"]; [] opts back in to everything.",
      extension: true,
      request: t.struct("PreferencesSetRequest", { Address: t.string, OptOut: t.list(t.string) }),
      response: preferencesT,
      async handle(call, req) {
        checkAddress(req.Address);
        const all = req.OptOut.includes("all");
        if (all && req.OptOut.length > 1) throw new ApiError("user", `"all" stands alone in OptOut`);
        const allowed = call.account.settings.categories ?? [];
        for (const c of all ? [] : req.OptOut) {
          if (!allowed.includes("*") && !allowed.includes(c)) throw new ApiError("unknownCategory", `category ${JSON.stringify(c)} is not configured for this account`);
          if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(c)) throw new ApiError("user", `category ${JSON.stringify(c)} is not a name`);
        }
        const p = await db.transaction((tx) => deps.delivery.preferences.set(tx, call.account.id, req.Address, { optOut: all ? [] : req.OptOut, all }));
        return wire(p);
      },
    }),
  ];
}
