// The one-click unsubscribe POST's work (RFC 8058 §3.2): verify the token, record the opt-out and
// append an `unsubscribed` event in one transaction. Repeats change nothing and add no event.
import { serializeOutgoing, type OutgoingEvent } from "../events/index.js";
import { addOptOut, type OptOutResult } from "./preferences.js";
import { loadOutbound } from "./queries.js";
import { verifyUnsubscribeToken } from "./unsubscribe.js";
import type { Ctx } from "./types.js";

/** What a one-click POST did: `invalid` for a forged or malformed token. */
export type UnsubscribeOutcome = OptOutResult | "invalid";

/** Applies a one-click unsubscribe token. */
export async function applyUnsubscribe(ctx: Ctx, token: string): Promise<UnsubscribeOutcome> {
  const grant = verifyUnsubscribeToken(await ctx.unsubscribeKey(), token);
  if (!grant) return "invalid";
  const now = new Date(ctx.clock.now());
  const result = await ctx.db.transaction(async (tx) => {
    const r = await addOptOut(tx, grant.accountId, grant.address, grant.category, grant.issuedAt, now);
    if (r !== "added") return r;
    const [row] = await loadOutbound(tx, [grant.queueMsgId]);
    const mine = row && row.accountId === grant.accountId ? row : null;
    const payload = serializeOutgoing({
      Version: 0,
      // Postwire's extension event (docs/webhooks.md); sent only to receivers that list it.
      Event: "unsubscribed" as OutgoingEvent,
      DSN: false,
      Suppressing: false,
      QueueMsgID: grant.queueMsgId,
      FromID: mine?.fromId ?? "",
      MessageID: mine?.messageId ?? "",
      Subject: mine?.subject ?? "",
      WebhookQueued: now,
      SMTPCode: 0,
      SMTPEnhancedCode: "",
      Error: `recipient opted out of category ${JSON.stringify(grant.category)}`,
      Extra: mine?.extra ?? {},
      Recipient: grant.address,
      MailFrom: mine?.mailFrom ?? "",
    });
    await ctx.eventLog.append(tx, { accountId: grant.accountId, kind: "unsubscribed", address: grant.address, queueMsgId: grant.queueMsgId, payload });
    return r;
  });
  if (result === "added") ctx.eventLog.committed(grant.accountId);
  return result;
}
