/**
 * ApiKeyCreate, ApiKeyList, ApiKeyRevoke (Postwire extensions): scoped keys an application uses
 * as `Authorization: Bearer` instead of the account's password. The key is returned once by
 * ApiKeyCreate; only its hash is stored. Scopes are in api/scopes.ts.
 */
import { API_KEY_SCOPES, createApiKey, listApiKeys, revokeApiKey, type ApiKeyInfo, type ApiKeyScope } from "../../store/index.js";
import type { ApiDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { defineMethod, type ApiMethod } from "../registry.js";
import { t, type Infer } from "../wire.js";

const keyT = t.struct("ApiKey", {
  ID: t.int,
  Name: t.string,
  Scopes: t.list(t.string),
  Prefix: t.string,
  Created: t.time,
  LastUsed: t.nullable(t.time),
  Revoked: t.nullable(t.time),
});

function wire(k: ApiKeyInfo): Infer<typeof keyT> {
  return { ID: k.id, Name: k.name, Scopes: k.scopes, Prefix: k.prefix, Created: k.createdAt, LastUsed: k.lastUsedAt, Revoked: k.revokedAt };
}

function checkRequest(name: string, scopes: readonly string[]): ApiKeyScope[] {
  if (name.length < 1 || name.length > 100 || /[\x00-\x1f\x7f]/.test(name)) throw new ApiError("user", "Name must be 1 to 100 characters without control characters");
  if (scopes.length === 0) throw new ApiError("user", `Scopes must name at least one of ${API_KEY_SCOPES.join(", ")}`);
  for (const s of scopes) if (!(API_KEY_SCOPES as readonly string[]).includes(s)) throw new ApiError("user", `unknown scope ${JSON.stringify(s)}: one of ${API_KEY_SCOPES.join(", ")}`);
  return scopes as ApiKeyScope[];
}

/** The three API key methods. */
export function apiKeyRoutes(deps: ApiDeps): ApiMethod[] {
  const { db } = deps.database;
  return [
    defineMethod({
      name: "ApiKeyCreate",
      summary: "Creates an API key with scopes (send, read, push, admin); the key is shown only in this answer.",
      extension: true,
      request: t.struct("ApiKeyCreateRequest", { Name: t.string, Scopes: t.list(t.string) }),
      response: t.struct("ApiKeyCreateResult", { Key: t.string, ApiKey: keyT }),
      async handle(call, req) {
        const scopes = checkRequest(req.Name, req.Scopes);
        const k = await createApiKey(db, call.account.id, req.Name, scopes);
        call.log.info({ apiKey: k.id, scopes }, "api key created");
        return { Key: k.key, ApiKey: wire(k) };
      },
    }),
    defineMethod({
      name: "ApiKeyList",
      summary: "Lists the account's API keys (never the keys themselves), revoked ones included.",
      extension: true,
      request: t.struct("ApiKeyListRequest", {}),
      response: t.struct("ApiKeyListResult", { ApiKeys: t.list(keyT) }),
      async handle(call) {
        return { ApiKeys: (await listApiKeys(db, call.account.id)).map(wire) };
      },
    }),
    defineMethod({
      name: "ApiKeyRevoke",
      summary: "Revokes an API key at once; later calls with it get 401.",
      extension: true,
      request: t.struct("ApiKeyRevokeRequest", { ID: t.int }),
      response: t.struct("ApiKeyRevokeResult", {}),
      async handle(call, req) {
        if (!(await revokeApiKey(db, call.account.id, req.ID))) throw new ApiError("apiKeyNotFound", `no live api key ${req.ID} in this account`);
        call.log.info({ apiKey: req.ID }, "api key revoked");
        return {};
      },
    }),
  ];
}
