import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { accounts, bytea } from "./store.js";

/** One delivery attempt of an outgoing message (mox `MsgResult`). */
export type DeliveryResult = {
  start: string; // ISO time
  durationMs: number;
  success: boolean;
  code: number; // SMTP reply code, 0 when none (connection error, timeout)
  secode: string; // enhanced code without its class, e.g. "1.1", or ""
  error: string;
  /** The host talked to (the MX or smarthost name), when a connection was made. */
  host?: string;
  /** Whether that SMTP session used TLS. */
  tls?: boolean;
};

/** Lifecycle of an outgoing message; everything but `queued` is retired. */
export type OutboundStatus = "queued" | "delivered" | "failed" | "canceled" | "suppressed";

/**
 * The raw message of one submission, stored once and shared by its recipients' rows.
 * Removed when no outbound message refers to it any more. Owner: delivery.
 */
export const outboundRaws = pgTable("outbound_raws", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  raw: bytea("raw").notNull(),
  size: integer("size").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/**
 * Outgoing messages, one row per recipient (mox queue `Msg`; `id` is the QueueMsgID). Rows of
 * one submission share `baseId` (the first id) and are delivered in one SMTP transaction per
 * recipient domain. Finished rows stay as retired messages until `keepUntil` (FromID matching
 * of incoming DSNs, the three-failures suppression rule, the delivery log). Owner: delivery.
 */
export const outboundMessages = pgTable(
  "outbound_messages",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    baseId: bigint("base_id", { mode: "number" }).notNull(),
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** SMTP MAIL FROM (with the FromID when used); "" is the null sender. */
    mailFrom: text("mail_from").notNull(),
    /** The From header address (DKIM signing domain). */
    msgFrom: text("msg_from").notNull(),
    /** Unique MAIL FROM id, "" when not used; unique over live and retired rows. */
    fromId: text("from_id").notNull().default(""),
    /** Recipient as submitted (unicode domain). */
    recipient: text("recipient").notNull(),
    /** Recipient domain, unicode lowercase (grouping, MX lookup). */
    recipientDomain: text("recipient_domain").notNull(),
    messageId: text("message_id").notNull().default(""),
    subject: text("subject").notNull().default(""),
    rawId: bigint("raw_id", { mode: "number" })
      .notNull()
      .references(() => outboundRaws.id),
    extra: jsonb("extra").$type<Record<string, string>>().notNull(),
    requireTls: boolean("require_tls"),
    hold: boolean("hold").notNull().default(false),
    source: text("source").notNull(), // webapi | smtp
    /** The queue job that delivers this row, null once retired. */
    jobId: bigint("job_id", { mode: "number" }),
    attempts: integer("attempts").notNull().default(0),
    results: jsonb("results").$type<DeliveryResult[]>().notNull().default(sql`'[]'::jsonb`),
    status: text("status").$type<OutboundStatus>().notNull().default("queued"),
    queuedAt: timestamp("queued_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, precision: 3 }).notNull(),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true, precision: 3 }),
    lastActivity: timestamp("last_activity", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** Retired rows are removed after this; null while queued. */
    keepUntil: timestamp("keep_until", { withTimezone: true, precision: 3 }),
    /** Send's UniqueID (SendLookup), "" when none. */
    uniqueId: text("unique_id").notNull().default(""),
    /** Send's Categories (opt-outs, one-click unsubscribe, SendLookup). */
    categories: text("categories").array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [
    uniqueIndex("outbound_from_id_idx").on(t.fromId).where(sql`${t.fromId} <> ''`),
    index("outbound_account_status_idx").on(t.accountId, t.status, t.id),
    index("outbound_recipient_idx").on(sql`lower(${t.recipient})`, t.lastActivity),
    index("outbound_lookup_idx").on(t.accountId, sql`lower(${t.recipient})`, t.id),
    index("outbound_keep_until_idx").on(t.keepUntil).where(sql`${t.keepUntil} is not null`),
    index("outbound_raw_idx").on(t.rawId),
  ],
);

/** Per-account suppression list (mox `webapi.Suppression`); one row per base address. Owner: delivery. */
export const suppressions = pgTable(
  "suppressions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    baseAddress: text("base_address").notNull(),
    originalAddress: text("original_address").notNull(),
    manual: boolean("manual").notNull().default(false),
    reason: text("reason").notNull().default(""),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("suppressions_account_base_idx").on(t.accountId, t.baseAddress)],
);

/**
 * One row per recipient of every accepted submission (webapi and SMTP), for the per-account
 * daily limits (mox `store.Outgoing`): messages in the last 24 h and first-time recipients.
 * Owner: delivery.
 */
export const outgoingRecipients = pgTable(
  "outgoing_recipients",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    recipient: text("recipient").notNull(), // lowercase
    submittedAt: timestamp("submitted_at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [
    index("outgoing_recipients_account_time_idx").on(t.accountId, t.submittedAt),
    index("outgoing_recipients_account_rcpt_idx").on(t.accountId, t.recipient, t.submittedAt),
  ],
);
