/**
 * The push methods (Postwire extensions): register an app's recipient and get its token and
 * absolute ConnectionURI, push to recipients or to all of them, cancel, and list with states.
 * The work is done by websocket/ and push/, reached through the structural {@link PushMethodsApi}
 * that `app/` injects; these methods are passed to the API as `deps.methods`.
 */
import { ApiError, isApiErrorCode } from "../errors.js";
import { defineMethod, type ApiMethod } from "../registry.js";
import { isZeroTime, t } from "../wire.js";
import type { PushListRequest } from "../../push/index.js";
import { connectionUri, type EventRouteOptions } from "./events.js";

type ListFilters = PushListRequest;
type Listed = { topic: string; message: string; state: string; createdAt: Date; expiresAt: Date; deliveredAt: Date | null; cancelledAt: Date | null };

/** What websocket/'s `createPushMethods()` provides. */
export type PushMethodsApi = {
  register(
    accountId: number,
    req: { recipient: string; origin: string; sourceIp: string; topics: readonly string[]; expires: Date | null; addresses: readonly string[] },
  ): Promise<{ token: string; expires: Date }>;
  push(accountId: number, req: { recipients: readonly string[]; message: unknown; topic: string; expiresAt: Date | null }): Promise<{ recipient: string; pushId: number }[]>;
  pushGlobal(accountId: number, req: { message: unknown; topic: string; expiresAt: Date | null }): Promise<number>;
  cancel(accountId: number, req: { pushId: number; globalId: number }): Promise<{ cancelledAt: Date }>;
  list(accountId: number, req: ListFilters): Promise<{ items: (Listed & { pushId: number; recipient: string })[]; nextToken: string }>;
  listGlobal(accountId: number, req: ListFilters): Promise<{ items: (Listed & { globalId: number; deliveries: number })[]; nextToken: string }>;
};

// Refusals of push/ keep their code (user, recipientNotFound, pushNotFound); those of
// websocket/'s token minting (bad origin, foreign address) are user errors.
async function mapped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof Error && err.name === "PushError") {
      const code = (err as Error & { code?: unknown }).code;
      throw new ApiError(isApiErrorCode(code) ? code : "user", err.message, { cause: err });
    }
    if (err instanceof Error && err.name === "EventStreamError") throw new ApiError("user", err.message, { cause: err });
    throw err;
  }
}

const time = (d: Date) => (isZeroTime(d) ? null : d);

const listRequest = (name: string) =>
  t.struct(name, {
    Recipient: t.string,
    Topic: t.string,
    State: t.string,
    CreatedAfter: t.time,
    CreatedBefore: t.time,
    ExpiresAfter: t.time,
    ExpiresBefore: t.time,
    Limit: t.int,
    NextToken: t.string,
  });

function filters(r: { Recipient: string; Topic: string; State: string; CreatedAfter: Date; CreatedBefore: Date; ExpiresAfter: Date; ExpiresBefore: Date; Limit: number; NextToken: string }): ListFilters {
  return {
    recipient: r.Recipient,
    topic: r.Topic,
    state: r.State,
    createdAfter: time(r.CreatedAfter),
    createdBefore: time(r.CreatedBefore),
    expiresAfter: time(r.ExpiresAfter),
    expiresBefore: time(r.ExpiresBefore),
    limit: r.Limit,
    nextToken: r.NextToken,
  };
}

const listedFields = {
  Topic: t.string,
  Message: t.json,
  State: t.string,
  CreatedAt: t.time,
  ExpiresAt: t.time,
  DeliveredAt: t.nullable(t.time),
  CancelledAt: t.nullable(t.time),
};

function listed(i: Listed) {
  return { Topic: i.topic, Message: JSON.parse(i.message) as unknown, State: i.state, CreatedAt: i.createdAt, ExpiresAt: i.expiresAt, DeliveredAt: i.deliveredAt, CancelledAt: i.cancelledAt };
}

/** The six push methods over the injected implementation. */
export function pushRoutes(push: PushMethodsApi, o: EventRouteOptions = {}): ApiMethod[] {
  const uri = connectionUri(o);
  return [
    defineMethod({
      name: "PushRecipientRegister",
      summary: "Registers an app's recipient; returns the token and absolute ConnectionURI its browser connects with.",
      extension: true,
      request: t.struct("PushRecipientRegisterRequest", { Recipient: t.string, Origin: t.string, SourceIP: t.string, Topics: t.list(t.string), Expires: t.time, Addresses: t.list(t.string) }),
      response: t.struct("PushRecipientRegisterResult", { Token: t.string, ConnectionURI: t.string, Expires: t.time }),
      async handle(call, req) {
        const r = await mapped(
          push.register(call.account.id, { recipient: req.Recipient, origin: req.Origin, sourceIp: req.SourceIP, topics: req.Topics, expires: time(req.Expires), addresses: req.Addresses }),
        );
        return { Token: r.token, ConnectionURI: uri(r.token), Expires: r.expires };
      },
    }),
    defineMethod({
      name: "PushMessage",
      summary: "Pushes a JSON message to registered recipients' WebSocket connections; one PushID per recipient.",
      extension: true,
      request: t.struct("PushMessageRequest", { Recipients: t.list(t.string), Message: t.json, Topic: t.string, ExpiresAt: t.time }),
      response: t.struct("PushMessageResult", { Pushes: t.list(t.struct("PushMessageID", { Recipient: t.string, PushID: t.int })) }),
      async handle(call, req) {
        const ids = await mapped(push.push(call.account.id, { recipients: req.Recipients, message: req.Message, topic: req.Topic, expiresAt: time(req.ExpiresAt) }));
        return { Pushes: ids.map((i) => ({ Recipient: i.recipient, PushID: i.pushId })) };
      },
    }),
    defineMethod({
      name: "PushGlobalMessage",
      summary: "Pushes a JSON message to every recipient of the account that connects before it expires.",
      extension: true,
      request: t.struct("PushGlobalMessageRequest", { Message: t.json, Topic: t.string, ExpiresAt: t.time }),
      response: t.struct("PushGlobalMessageResult", { GlobalID: t.int }),
      async handle(call, req) {
        return { GlobalID: await mapped(push.pushGlobal(call.account.id, { message: req.Message, topic: req.Topic, expiresAt: time(req.ExpiresAt) })) };
      },
    }),
    defineMethod({
      name: "PushMessageCancel",
      summary: "Cancels a pending push (PushID) or a global push (GlobalID): it is not sent any more.",
      extension: true,
      request: t.struct("PushMessageCancelRequest", { PushID: t.int, GlobalID: t.int }),
      response: t.struct("PushMessageCancelResult", { State: t.string, CancelledAt: t.time }),
      async handle(call, req) {
        const r = await mapped(push.cancel(call.account.id, { pushId: req.PushID, globalId: req.GlobalID }));
        return { State: "CANCELLED", CancelledAt: r.cancelledAt };
      },
    }),
    defineMethod({
      name: "PushMessageList",
      summary: "Lists pushes with their state (PENDING, DELIVERED, CANCELLED, EXPIRED), newest first, by NextToken.",
      extension: true,
      request: listRequest("PushMessageListRequest"),
      response: t.struct("PushMessageListResult", { Messages: t.list(t.struct("PushMessageItem", { PushID: t.int, Recipient: t.string, ...listedFields })), NextToken: t.string }),
      async handle(call, req) {
        const page = await mapped(push.list(call.account.id, filters(req)));
        return { Messages: page.items.map((i) => ({ PushID: i.pushId, Recipient: i.recipient, ...listed(i) })), NextToken: page.nextToken };
      },
    }),
    defineMethod({
      name: "PushGlobalMessageList",
      summary: "Lists global pushes (per recipient with Recipient), newest first, by NextToken.",
      extension: true,
      request: listRequest("PushGlobalMessageListRequest"),
      response: t.struct("PushGlobalMessageListResult", {
        Messages: t.list(t.struct("PushGlobalMessageItem", { GlobalID: t.int, ...listedFields, Deliveries: t.int })),
        NextToken: t.string,
      }),
      async handle(call, req) {
        const page = await mapped(push.listGlobal(call.account.id, filters(req)));
        return { Messages: page.items.map((i) => ({ GlobalID: i.globalId, ...listed(i), Deliveries: i.deliveries })), NextToken: page.nextToken };
      },
    }),
  ];
}
