// What the webapi extension methods do (the api/ route file only maps wire types): settings,
// the delivery log (list and get), redelivery of a retired webhook with the same ids, and a
// test POST of a `mox example` payload. Every call is scoped to the caller's account.
import type { Database } from "../db/index.js";
import type { WebhookAttempt, WebhookKind, WebhookStatus } from "../db/schema/index.js";
import { defaultExampleName, EXAMPLE_NAMES, eventKinds, exampleBody, examplePayload, type ExampleName } from "../events/index.js";
import { configView, loadConfigRow, updateConfig, type WebhookConfigUpdate, type WebhookConfigView } from "./config.js";
import { InvalidWebhookConfigError, WebhookNotFoundError, WebhookNotRetiredError } from "./errors.js";
import { newWebhookId, queueWebhook } from "./outbox.js";
import type { WebhookPoster } from "./post.js";
import { listWebhooks, loadWebhook, type WebhookRow } from "./queries.js";

/** A webhook in the delivery log (Authorization reduced to whether one is sent, as mox). */
export type WebhookSummary = {
  id: number;
  /** The X-Mox-Webhook-ID sent: the first delivery's id for a redelivery, else `id`. */
  moxId: number;
  webhookId: string;
  kind: WebhookKind;
  event: string;
  queueMsgId: number;
  messageId: number;
  url: string;
  hasAuthorization: boolean;
  status: WebhookStatus;
  attempts: number;
  createdAt: Date;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastResult: WebhookAttempt | null;
  supersededById: number;
  keepUntil: Date | null;
};

/** A webhook with its payload and every attempt. */
export type WebhookDetail = WebhookSummary & { payload: string; results: WebhookAttempt[] };

/** WebhookList's filter; empty values mean "any". */
export type WebhookListRequest = { kind: string; event: string; status: string; since: Date | null; until: Date | null; cursor: string; limit: number };

/** WebhookTest's request: an example (or the default one for `kind`), sent to `url` or the configured one. */
export type WebhookTestRequest = { kind: string; example: string; url: string; authorization: string };

/** The receiver's answer to a test POST. */
export type WebhookTestResult = { url: string; webhookId: string; status: number; success: boolean; durationMs: number; error: string; response: string };

/** The operations behind the webhook extension methods. */
export type WebhookMethods = {
  getConfig(accountId: number): Promise<WebhookConfigView>;
  setConfig(accountId: number, u: WebhookConfigUpdate): Promise<WebhookConfigView>;
  list(accountId: number, req: WebhookListRequest): Promise<{ webhooks: WebhookSummary[]; nextCursor: string }>;
  get(accountId: number, id: number): Promise<WebhookDetail>;
  /** The outgoing webhooks about one queued or retired message, oldest first (QueueGet). */
  forMessage(accountId: number, queueMsgId: number): Promise<WebhookSummary[]>;
  redeliver(accountId: number, id: number): Promise<WebhookSummary>;
  test(accountId: number, req: WebhookTestRequest): Promise<WebhookTestResult>;
};

const statuses = ["", "pending", "retired", "delivered", "failed", "superseded", "canceled"] as const;

/** Maps a row to its log entry. */
export function summary(r: WebhookRow): WebhookSummary {
  return {
    id: r.id,
    moxId: r.originId ?? r.id,
    webhookId: r.webhookId,
    kind: r.kind,
    event: r.event,
    queueMsgId: r.queueMsgId ?? 0,
    messageId: r.messageId ?? 0,
    url: r.url,
    hasAuthorization: r.authorization !== "",
    status: r.status,
    attempts: r.attempts,
    createdAt: r.createdAt,
    nextAttemptAt: r.nextAttemptAt,
    lastAttemptAt: r.lastAttemptAt,
    lastResult: r.results[r.results.length - 1] ?? null,
    supersededById: r.supersededById ?? 0,
    keepUntil: r.keepUntil,
  };
}

// List cursors: the last id of a page, opaque to clients.
const encodeCursor = (id: number): string => Buffer.from(`webhooks.${id}`).toString("base64url");
function decodeCursor(s: string): number | null {
  if (s === "") return null;
  const m = /^webhooks\.(\d{1,15})$/.exec(Buffer.from(s, "base64url").toString());
  if (!m) throw new InvalidWebhookConfigError("invalid cursor");
  return Number(m[1]);
}

function checkList(req: WebhookListRequest): void {
  if (!["", "incoming", "outgoing"].includes(req.kind)) throw new InvalidWebhookConfigError(`unknown kind ${JSON.stringify(req.kind)}`);
  if (req.event !== "" && !(eventKinds as readonly string[]).includes(req.event)) {
    throw new InvalidWebhookConfigError(`unknown event ${JSON.stringify(req.event)}`);
  }
  if (!(statuses as readonly string[]).includes(req.status)) throw new InvalidWebhookConfigError(`unknown status ${JSON.stringify(req.status)}`);
  if (req.limit < 0) throw new InvalidWebhookConfigError("Limit must not be negative");
}

function pickExample(req: WebhookTestRequest): ExampleName {
  if (req.example !== "") {
    if (!(EXAMPLE_NAMES as readonly string[]).includes(req.example)) {
      throw new InvalidWebhookConfigError(`unknown example ${JSON.stringify(req.example)}; known: ${EXAMPLE_NAMES.join(", ")}`);
    }
    return req.example as ExampleName;
  }
  if (req.kind !== "incoming" && req.kind !== "outgoing") throw new InvalidWebhookConfigError('Kind must be "incoming" or "outgoing"');
  return defaultExampleName(req.kind);
}

/** Builds the operations. `checkUrl` is the SSRF guard's configuration-time check. */
export function createWebhookMethods(o: {
  database: Database;
  poster: WebhookPoster;
  now: () => Date;
  checkUrl: (url: string) => Promise<void>;
  /** Called after a redelivery committed (wakes the runner). */
  queued: () => void;
}): WebhookMethods {
  const { db } = o.database;

  async function own(accountId: number, id: number): Promise<WebhookRow> {
    const row = await loadWebhook(db, id);
    if (!row || row.accountId !== accountId) throw new WebhookNotFoundError(`webhook ${id} not found`);
    return row;
  }

  return {
    getConfig: async (accountId) => configView(await loadConfigRow(db, accountId)),
    async setConfig(accountId, u) {
      for (const t of [u.incoming, u.outgoing]) if (t.url.trim() !== "") await o.checkUrl(t.url.trim());
      return db.transaction((tx) => updateConfig(tx, accountId, u, { now: o.now() }));
    },
    async list(accountId, req) {
      checkList(req);
      const limit = Math.min(req.limit || 100, 1000);
      const rows = await listWebhooks(db, {
        accountId,
        kind: req.kind as WebhookKind | "",
        event: req.event,
        status: req.status as WebhookStatus | "retired" | "",
        since: req.since,
        until: req.until,
        beforeId: decodeCursor(req.cursor),
        limit,
      });
      const last = rows[rows.length - 1];
      return { webhooks: rows.map(summary), nextCursor: rows.length === limit && last ? encodeCursor(last.id) : "" };
    },
    async forMessage(accountId, queueMsgId) {
      const f = { accountId, kind: "outgoing" as const, event: "", status: "" as const, since: null, until: null, beforeId: null, limit: 1000, queueMsgId };
      return (await listWebhooks(db, f)).reverse().map(summary);
    },
    async get(accountId, id) {
      const row = await own(accountId, id);
      return { ...summary(row), payload: row.payload, results: row.results };
    },
    async redeliver(accountId, id) {
      const old = await own(accountId, id);
      if (old.status === "pending") throw new WebhookNotRetiredError(`webhook ${id} is still pending`);
      const row = await db.transaction((tx) =>
        queueWebhook(
          o.database,
          tx,
          {
            accountId,
            originId: old.originId ?? old.id,
            webhookId: old.webhookId,
            kind: old.kind,
            event: old.event,
            eventId: old.eventId,
            queueMsgId: old.queueMsgId,
            messageId: old.messageId,
            url: old.url,
            authorization: old.authorization,
            payload: old.payload,
          },
          o.now(),
        ),
      );
      o.queued();
      return summary(row);
    },
    async test(accountId, req) {
      const name = pickExample(req);
      const kind = examplePayload(name).kind;
      const cfg = configView(await loadConfigRow(db, accountId));
      const target = req.url !== "" ? { url: req.url, authorization: req.authorization } : cfg[kind];
      if (!target) throw new InvalidWebhookConfigError(`no ${kind} webhook URL configured and none given`);
      const webhookId = `msg_test_${newWebhookId().slice(4)}`;
      // mox's test button: X-Mox-Webhook-ID 1, attempt 1.
      const r = await o.poster.post({
        url: target.url,
        body: exampleBody(name),
        hookId: 1,
        webhookId,
        attempt: 1,
        authorization: target.authorization || undefined,
        secrets: cfg.secrets,
      });
      return { url: target.url, webhookId, status: r.status, success: r.ok, durationMs: r.durationMs, error: r.error ?? "", response: r.responseHead };
    },
  };
}
