/**
 * Queue control (Postwire extensions): QueueList (the account's messages still in the queue:
 * queued, delayed, scheduled by FutureRelease, held), QueueGet (one message, queued or retired,
 * with its attempts timeline and its outgoing webhooks), QueueCancel (removes a queued message,
 * mox's `canceled` event), QueueRetryNow, and SendLookup (the latest send to an address, by
 * UniqueID and category; retired messages stay for the keep period). The work is delivery's queue admin; every call is
 * scoped to the caller's account: another account's message is `queueMsgNotFound`.
 */
import type { DeliveryResult, OutboundMessage, QueueState } from "../../delivery/index.js";
import type { ApiDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { checkAddress } from "./suppressions.js";
import { defineMethod, type ApiMethod, type CallContext } from "../registry.js";
import { emptyResult } from "../types.js";
import { t, type Infer } from "../wire.js";
import { summaryT, summaryWire } from "./webhooks.js";

const queueStates: readonly string[] = ["queued", "delayed", "scheduled", "held"] satisfies QueueState[];

const messageT = t.struct("QueueMessage", {
  QueueMsgID: t.int,
  /** `queued`, `delayed`, `scheduled`, `held` while in the queue; `delivered`, `failed`, `canceled`, `suppressed` once retired. */
  State: t.string,
  Recipient: t.string,
  MailFrom: t.string,
  FromID: t.string,
  MessageID: t.string,
  Subject: t.string,
  Extra: t.map(t.string),
  Attempts: t.int,
  Queued: t.time,
  NextAttempt: t.nullable(t.time),
  LastAttempt: t.nullable(t.time),
  LastError: t.string,
  UniqueID: t.string,
  Categories: t.list(t.string),
});

const attemptT = t.struct("QueueAttempt", {
  Start: t.time,
  DurationMs: t.int,
  Success: t.bool,
  SMTPCode: t.int,
  SMTPEnhancedCode: t.string,
  /** The MX or smarthost talked to, "" when no connection was made. */
  RemoteHost: t.string,
  TLS: t.bool,
  Error: t.string,
});

type Wire<T> = Infer<T>;

/** The state shown for a row, as of `now`. */
function stateOf(m: OutboundMessage, now: Date): string {
  if (m.status !== "queued") return m.status;
  if (m.hold) return "held";
  if (m.nextAttemptAt > now) return m.attempts === 0 ? "scheduled" : "delayed";
  return "queued";
}

function messageWire(m: OutboundMessage, now: Date): Wire<typeof messageT> {
  const last = m.results[m.results.length - 1];
  return {
    QueueMsgID: m.id,
    State: stateOf(m, now),
    Recipient: m.recipient,
    MailFrom: m.mailFrom,
    FromID: m.fromId,
    MessageID: m.messageId,
    Subject: m.subject,
    Extra: m.extra ?? {},
    Attempts: m.attempts,
    Queued: m.queuedAt,
    NextAttempt: m.status === "queued" && !m.hold ? m.nextAttemptAt : null,
    LastAttempt: m.lastAttemptAt,
    LastError: last && !last.success ? last.error : "",
    UniqueID: m.uniqueId,
    Categories: m.categories,
  };
}

function attemptWire(r: DeliveryResult): Wire<typeof attemptT> {
  return {
    Start: new Date(r.start),
    DurationMs: r.durationMs,
    Success: r.success,
    SMTPCode: r.code,
    SMTPEnhancedCode: r.secode ? `${Math.floor(r.code / 100)}.${r.secode}` : "",
    RemoteHost: r.host ?? "",
    TLS: r.tls ?? false,
    Error: r.error,
  };
}

// Paging cursor: the last QueueMsgID of a page, opaque to clients.
const encodeCursor = (id: number): string => Buffer.from(`queue.${id}`).toString("base64url");
function decodeCursor(s: string): number | undefined {
  if (s === "") return undefined;
  const m = /^queue\.(\d{1,15})$/.exec(Buffer.from(s, "base64url").toString());
  if (!m) throw new ApiError("user", "invalid cursor");
  return Number(m[1]);
}

const idRequest = (name: string) => t.struct(name, { QueueMsgID: t.int });

/** The four queue methods and SendLookup. */
export function queueRoutes(deps: ApiDeps): ApiMethod[] {
  const admin = deps.delivery.admin;
  const now = () => new Date(deps.clock.now());

  /** The caller's message, or `queueMsgNotFound` (also for another account's). */
  async function own(call: CallContext, id: number): Promise<OutboundMessage> {
    const [m] = id > 0 ? await admin.list({ ids: [id], accountId: call.account.id, limit: 1 }) : [];
    if (!m) throw new ApiError("queueMsgNotFound", `queue message ${id} not found`);
    return m;
  }
  const notQueued = (m: OutboundMessage) => new ApiError("notQueued", `queue message ${m.id} is no longer queued (${m.status})`);

  return [
    defineMethod({
      name: "QueueList",
      summary: "Lists the account's messages still in the queue (queued, delayed, scheduled, held), newest first.",
      extension: true,
      request: t.struct("QueueListRequest", { Address: t.string, State: t.string, Limit: t.int, Cursor: t.string }),
      response: t.struct("QueueListResult", { Messages: t.list(messageT), NextCursor: t.string }),
      async handle(call, req) {
        if (req.State !== "" && !queueStates.includes(req.State)) {
          throw new ApiError("user", `unknown State ${JSON.stringify(req.State)}; known: ${queueStates.join(", ")}`);
        }
        if (req.Limit < 0) throw new ApiError("user", "Limit must not be negative");
        const limit = Math.min(req.Limit || 100, 1000);
        const at = now();
        const rows = await admin.list({
          accountId: call.account.id,
          retired: false,
          ...(req.Address !== "" ? { recipient: req.Address } : {}),
          ...(req.State !== "" ? { state: req.State as QueueState, now: at } : {}),
          beforeId: decodeCursor(req.Cursor),
          limit,
        });
        const last = rows[rows.length - 1];
        return { Messages: rows.map((m) => messageWire(m, at)), NextCursor: rows.length === limit && last ? encodeCursor(last.id) : "" };
      },
    }),
    defineMethod({
      name: "QueueGet",
      summary: "Returns one queued or retired message with every delivery attempt and its outgoing webhooks.",
      extension: true,
      request: idRequest("QueueGetRequest"),
      response: t.struct("QueueGetResult", { Message: messageT, Attempts: t.list(attemptT), Webhooks: t.list(summaryT) }),
      async handle(call, req) {
        const m = await own(call, req.QueueMsgID);
        const hooks = deps.messageWebhooks ? await deps.messageWebhooks(call.account.id, m.id) : [];
        return { Message: messageWire(m, now()), Attempts: m.results.map(attemptWire), Webhooks: hooks.map(summaryWire) };
      },
    }),
    defineMethod({
      name: "SendLookup",
      summary: "Returns the latest message sent to an address (optionally with a UniqueID and a category) with its state, or null.",
      extension: true,
      request: t.struct("SendLookupRequest", { Address: t.string, UniqueID: t.string, Category: t.string }),
      response: t.struct("SendLookupResult", { Message: t.nullable(messageT) }),
      async handle(call, req) {
        checkAddress(req.Address);
        const m = await deps.delivery.lookup(deps.database.db, { accountId: call.account.id, recipient: req.Address, uniqueId: req.UniqueID, category: req.Category });
        return { Message: m && messageWire(m, now()) };
      },
    }),
    defineMethod({
      name: "QueueCancel",
      summary: "Removes a queued message from the queue (a `canceled` outgoing event, no DSN).",
      extension: true,
      request: idRequest("QueueCancelRequest"),
      response: emptyResult("QueueCancelResult"),
      async handle(call, req) {
        const m = await own(call, req.QueueMsgID);
        if (m.status !== "queued") throw notQueued(m);
        // The retire only changes a row still queued: a delivery finishing meanwhile wins.
        if ((await admin.drop([m.id], "delivery canceled by sender")) === 0) throw notQueued((await own(call, m.id)));
        return {};
      },
    }),
    defineMethod({
      name: "QueueRetryNow",
      summary: "Makes a queued message due now (a delayed retry or a FutureRelease); a held message is released.",
      extension: true,
      request: idRequest("QueueRetryNowRequest"),
      response: t.struct("QueueRetryNowResult", { Message: messageT }),
      async handle(call, req) {
        const m = await own(call, req.QueueMsgID);
        if (m.status !== "queued") throw notQueued(m);
        const changed = m.hold ? await admin.release([m.id]) : await admin.retryNow([m.id]);
        const after = await own(call, m.id);
        if (changed === 0 && after.status !== "queued") throw notQueued(after);
        return { Message: messageWire(after, now()) };
      },
    }),
  ];
}
