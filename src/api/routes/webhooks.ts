/**
 * Webhook extension methods (Postwire, with the webapi's conventions and form pages):
 * WebhookConfigGet/Set (targets, event filter, signing secrets and their rotation), WebhookList
 * and WebhookGet (the delivery log: pending and retired, every attempt), WebhookRedeliver (a
 * fresh delivery of a retired webhook with the same ids) and WebhookTest (POST a `mox example`
 * payload now and return the receiver's answer). The work is webhooks/'s
 * ({@link WebhookMethods}); `app/` passes these methods to the API as `deps.methods`.
 */
import {
  WebhookError,
  type TargetView,
  type WebhookAttempt,
  type WebhookConfigView,
  type WebhookMethods,
  type WebhookSummary,
} from "../../webhooks/index.js";
import { ApiError } from "../errors.js";
import { defineMethod, type ApiMethod } from "../registry.js";
import { t, type Infer } from "../wire.js";

const targetFields = {
  URL: t.string,
  Authorization: t.string,
  /** "config" (config file or localserve flags) or "api". */
  Source: t.string,
  Disabled: t.bool,
  DisabledAt: t.nullable(t.time),
  DisabledReason: t.string,
};
const incomingT = t.struct("IncomingWebhookConfig", targetFields);
const outgoingT = t.struct("OutgoingWebhookConfig", { ...targetFields, Events: t.list(t.string) });
const configT = t.struct("WebhookConfig", { IncomingWebhook: t.nullable(incomingT), OutgoingWebhook: t.nullable(outgoingT), Secrets: t.list(t.string) });

const resultT = t.struct("WebhookResult", {
  Attempt: t.int,
  Start: t.time,
  DurationMs: t.int,
  URL: t.string,
  Success: t.bool,
  Code: t.int,
  Error: t.string,
  Response: t.string,
});

const summaryFields = {
  ID: t.int,
  /** X-Mox-Webhook-ID as sent (the first delivery's id for a redelivery). */
  MoxWebhookID: t.int,
  /** Standard Webhooks `webhook-id`. */
  WebhookID: t.string,
  Kind: t.string,
  Event: t.string,
  QueueMsgID: t.int,
  MsgID: t.int,
  URL: t.string,
  Authorization: t.bool,
  Status: t.string,
  Attempts: t.int,
  Queued: t.time,
  NextAttempt: t.nullable(t.time),
  LastAttempt: t.nullable(t.time),
  LastResult: t.nullable(resultT),
  SupersededByID: t.int,
  KeepUntil: t.nullable(t.time),
};
/** A webhook in the delivery log (WebhookList, QueueGet). */
export const summaryT = t.struct("WebhookSummary", summaryFields);
const detailT = t.struct("Webhook", { ...summaryFields, Payload: t.string, Results: t.list(resultT) });

// Refusals of webhooks/ (bad URL or secret, refused destination, unknown id) are user errors.
async function userErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof WebhookError) throw new ApiError("user", err.message, { cause: err });
    throw err;
  }
}

function targetWire(v: TargetView) {
  return { URL: v.url, Authorization: v.authorization, Source: v.source, Disabled: v.disabledAt !== null, DisabledAt: v.disabledAt, DisabledReason: v.disabledReason };
}

function configWire(c: WebhookConfigView): Infer<typeof configT> {
  return {
    IncomingWebhook: c.incoming && targetWire(c.incoming),
    OutgoingWebhook: c.outgoing && { ...targetWire(c.outgoing), Events: c.outgoing.events },
    Secrets: c.secrets,
  };
}

function resultWire(r: WebhookAttempt): Infer<typeof resultT> {
  return { Attempt: r.attempt, Start: new Date(r.start), DurationMs: r.durationMs, URL: r.url, Success: r.success, Code: r.code, Error: r.error, Response: r.response };
}

/** The wire form of a {@link WebhookSummary}. */
export function summaryWire(s: WebhookSummary): Infer<typeof summaryT> {
  return {
    ID: s.id,
    MoxWebhookID: s.moxId,
    WebhookID: s.webhookId,
    Kind: s.kind,
    Event: s.event,
    QueueMsgID: s.queueMsgId,
    MsgID: s.messageId,
    URL: s.url,
    Authorization: s.hasAuthorization,
    Status: s.status,
    Attempts: s.attempts,
    Queued: s.createdAt,
    NextAttempt: s.nextAttemptAt,
    LastAttempt: s.lastAttemptAt,
    LastResult: s.lastResult && resultWire(s.lastResult),
    SupersededByID: s.supersededById,
    KeepUntil: s.keepUntil,
  };
}

const idRequest = (name: string) => t.struct(name, { ID: t.int });

/** The six webhook methods over the service's operations. */
export function webhookRoutes(w: WebhookMethods): ApiMethod[] {
  return [
    defineMethod({
      name: "WebhookConfigGet",
      summary: "Returns the account's webhook settings: targets, outgoing event filter, signing secrets.",
      extension: true,
      request: t.struct("WebhookConfigGetRequest", {}),
      response: configT,
      handle: async (call) => configWire(await w.getConfig(call.account.id)),
    }),
    defineMethod({
      name: "WebhookConfigSet",
      summary: "Replaces the webhook settings (URL \"\" removes a target; saving re-enables a target disabled by 410); rotates secrets.",
      extension: true,
      request: t.struct("WebhookConfigSetRequest", {
        IncomingWebhook: t.struct("IncomingWebhookSet", { URL: t.string, Authorization: t.string }),
        OutgoingWebhook: t.struct("OutgoingWebhookSet", { URL: t.string, Authorization: t.string, Events: t.list(t.string) }),
        NewSecret: t.string,
        GenerateSecret: t.bool,
        DropOldSecrets: t.bool,
      }),
      response: configT,
      async handle(call, req) {
        const view = await userErrors(
          w.setConfig(call.account.id, {
            incoming: { url: req.IncomingWebhook.URL, authorization: req.IncomingWebhook.Authorization },
            outgoing: { url: req.OutgoingWebhook.URL, authorization: req.OutgoingWebhook.Authorization, events: req.OutgoingWebhook.Events },
            newSecret: req.NewSecret,
            generateSecret: req.GenerateSecret,
            dropOldSecrets: req.DropOldSecrets,
          }),
        );
        return configWire(view);
      },
    }),
    defineMethod({
      name: "WebhookList",
      summary: "Lists webhooks, pending and retired, newest first; filters by kind, event, status and time; cursor paging.",
      extension: true,
      request: t.struct("WebhookListRequest", {
        Kind: t.string,
        Event: t.string,
        /** pending, retired, delivered, failed, superseded, canceled or "" for all. */
        Status: t.string,
        Since: t.nullable(t.time),
        Until: t.nullable(t.time),
        Cursor: t.string,
        Limit: t.int,
      }),
      response: t.struct("WebhookListResult", { Webhooks: t.list(summaryT), NextCursor: t.string }),
      async handle(call, req) {
        const r = await userErrors(
          w.list(call.account.id, { kind: req.Kind, event: req.Event, status: req.Status, since: req.Since, until: req.Until, cursor: req.Cursor, limit: req.Limit }),
        );
        return { Webhooks: r.webhooks.map(summaryWire), NextCursor: r.nextCursor };
      },
    }),
    defineMethod({
      name: "WebhookGet",
      summary: "Returns one webhook with its payload and every attempt (status, duration, error, first bytes of the response).",
      extension: true,
      request: idRequest("WebhookGetRequest"),
      response: detailT,
      async handle(call, req) {
        const d = await userErrors(w.get(call.account.id, req.ID));
        return { ...summaryWire(d), Payload: d.payload, Results: d.results.map(resultWire) };
      },
    }),
    defineMethod({
      name: "WebhookRedeliver",
      summary: "Queues a fresh delivery of a retired webhook with the same webhook-id and X-Mox-Webhook-ID.",
      extension: true,
      request: idRequest("WebhookRedeliverRequest"),
      response: t.struct("WebhookRedeliverResult", { Webhook: summaryT }),
      handle: async (call, req) => ({ Webhook: summaryWire(await userErrors(w.redeliver(call.account.id, req.ID))) }),
    }),
    defineMethod({
      name: "WebhookTest",
      summary: "POSTs a sample payload (a `mox example` name, or the default one for Kind) now and returns the receiver's answer.",
      extension: true,
      request: t.struct("WebhookTestRequest", { Kind: t.string, Example: t.string, URL: t.string, Authorization: t.string }),
      response: t.struct("WebhookTestResult", {
        URL: t.string,
        WebhookID: t.string,
        Status: t.int,
        Success: t.bool,
        DurationMs: t.int,
        Error: t.string,
        Response: t.string,
      }),
      async handle(call, req) {
        const r = await userErrors(w.test(call.account.id, { kind: req.Kind, example: req.Example, url: req.URL, authorization: req.Authorization }));
        return { URL: r.url, WebhookID: r.webhookId, Status: r.status, Success: r.success, DurationMs: r.durationMs, Error: r.error, Response: r.response };
      },
    }),
  ];
}
