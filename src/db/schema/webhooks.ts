import { sql } from "drizzle-orm";
import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { accounts } from "./store.js";

/** One POST of a webhook (mox `HookResult` plus the attempt number). */
export type WebhookAttempt = {
  attempt: number;
  start: string; // ISO time the attempt started
  durationMs: number;
  url: string;
  success: boolean;
  code: number; // HTTP status, 0 when no response head arrived
  error: string;
  response: string; // first bytes of the response body
};

/** incoming: a message received into the account; outgoing: a delivery event of its mail. */
export type WebhookKind = "incoming" | "outgoing";

/** Lifecycle of a webhook; everything but `pending` is retired. */
export type WebhookStatus = "pending" | "delivered" | "failed" | "superseded" | "canceled";

/** Where a webhook target's settings came from: the config file (or localserve flags) or the webapi. */
export type WebhookSource = "config" | "api";

/**
 * Per-account webhook settings (mox IncomingWebhook/OutgoingWebhook plus signing secrets). An
 * empty URL means not configured. `*DisabledAt` is set when the receiver answered 410 Gone and
 * cleared when the target is reconfigured. Secrets are `whsec_...`, newest first; every one
 * signs, so a rotation keeps the previous secret valid. Owner: webhooks.
 */
export const webhookConfigs = pgTable("webhook_configs", {
  accountId: bigint("account_id", { mode: "number" })
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  incomingUrl: text("incoming_url").notNull().default(""),
  incomingAuthorization: text("incoming_authorization").notNull().default(""),
  incomingSource: text("incoming_source").$type<WebhookSource>().notNull().default("api"),
  incomingDisabledAt: timestamp("incoming_disabled_at", { withTimezone: true, precision: 3 }),
  incomingDisabledReason: text("incoming_disabled_reason").notNull().default(""),
  outgoingUrl: text("outgoing_url").notNull().default(""),
  outgoingAuthorization: text("outgoing_authorization").notNull().default(""),
  /** Outgoing events to send; empty means mox's eight (everything but `queued`). */
  outgoingEvents: jsonb("outgoing_events").$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  outgoingSource: text("outgoing_source").$type<WebhookSource>().notNull().default("api"),
  outgoingDisabledAt: timestamp("outgoing_disabled_at", { withTimezone: true, precision: 3 }),
  outgoingDisabledReason: text("outgoing_disabled_reason").notNull().default(""),
  secrets: jsonb("secrets").$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  secretsSource: text("secrets_source").$type<WebhookSource | "generated">().notNull().default("generated"),
  updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/**
 * Webhooks, pending and retired (mox `Hook` and `HookRetired` in one table). Created from an
 * event in the transaction that appended it; `payload` is the exact body, URL and Authorization
 * are copied when queued. `id` is sent as X-Mox-Webhook-ID (`originId` for a redelivery, which
 * also keeps `webhookId`, the Standard Webhooks id). A pending row has a queue job (`jobId`),
by which the handler finds it.
 * Retired rows stay until `keepUntil`. Owner: webhooks.
 */
export const webhooks = pgTable(
  "webhooks",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** The first delivery's id when this row is a redelivery. */
    originId: bigint("origin_id", { mode: "number" }),
    webhookId: text("webhook_id").notNull(),
    kind: text("kind").$type<WebhookKind>().notNull(),
    /** "incoming" or the outgoing event name. */
    event: text("event").notNull(),
    eventId: bigint("event_id", { mode: "number" }),
    queueMsgId: bigint("queue_msg_id", { mode: "number" }),
    messageId: bigint("message_id", { mode: "number" }),
    url: text("url").notNull(),
    authorization: text("authorization").notNull().default(""),
    /** The exact JSON body as text (jsonb would reorder keys). */
    payload: text("payload").notNull(),
    status: text("status").$type<WebhookStatus>().notNull().default("pending"),
    jobId: bigint("job_id", { mode: "number" }),
    attempts: integer("attempts").notNull().default(0),
    results: jsonb("results").$type<WebhookAttempt[]>().notNull().default(sql`'[]'::jsonb`),
    supersededById: bigint("superseded_by_id", { mode: "number" }),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, precision: 3 }),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true, precision: 3 }),
    lastActivity: timestamp("last_activity", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** Retired rows are removed after this; null while pending. */
    keepUntil: timestamp("keep_until", { withTimezone: true, precision: 3 }),
  },
  (t) => [
    index("webhooks_account_idx").on(t.accountId, t.id),
    index("webhooks_job_idx").on(t.jobId).where(sql`${t.jobId} is not null`),
    index("webhooks_pending_msg_idx").on(t.queueMsgId).where(sql`${t.status} = 'pending'`),
    index("webhooks_keep_until_idx").on(t.keepUntil).where(sql`${t.keepUntil} is not null`),
  ],
);
