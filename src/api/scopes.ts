/**
 * The scope an API key needs for each method. A password login may call everything; a key only
 * the methods of its scopes: `send` submits mail and changes the queue, suppressions and
 * preferences; `read` reads mail, events, the queue and webhook history; `push` is the push API;
 * `admin` manages API keys and webhook configuration. An unknown method needs `admin`.
 */
import type { ApiKeyScope } from "../store/index.js";
import { ApiError } from "./errors.js";

const scopes: Record<ApiKeyScope, readonly string[]> = {
  send: ["Send", "QueueCancel", "QueueRetryNow", "SuppressionAdd", "SuppressionRemove", "PreferencesSet"],
  read: [
    "MessageGet", "MessageRawGet", "MessagePartGet", "MessageList", "MessageWait", "MessageSearch",
    "MessageDelete", "MessageFlagsAdd", "MessageFlagsRemove", "MessageMove",
    "EventList", "EventTokenCreate", "SendLookup", "QueueList", "QueueGet",
    "SuppressionList", "SuppressionPresent", "PreferencesGet", "WebhookList", "WebhookGet",
  ],
  push: ["PushRecipientRegister", "PushMessage", "PushGlobalMessage", "PushMessageCancel", "PushMessageList", "PushGlobalMessageList"],
  admin: ["ApiKeyCreate", "ApiKeyList", "ApiKeyRevoke", "WebhookConfigGet", "WebhookConfigSet", "WebhookRedeliver", "WebhookTest"],
};

const byMethod = new Map<string, ApiKeyScope>(Object.entries(scopes).flatMap(([s, ms]) => ms.map((m) => [m, s as ApiKeyScope] as const)));

/** The scope `method` needs. */
export function scopeOf(method: string): ApiKeyScope {
  return byMethod.get(method) ?? "admin";
}

/** Throws `insufficientScope` when a key without the method's scope calls it (null: a password login). */
export function checkScope(method: string, granted: readonly ApiKeyScope[] | null): void {
  if (granted === null) return;
  const need = scopeOf(method);
  if (!granted.includes(need)) throw new ApiError("insufficientScope", `this api key lacks the ${need} scope that ${method} needs`);
}
