import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/** bytea as a Node Buffer on both drivers (postgres-js returns Buffer). */
export const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => "bytea",
});

/** Hosted domains. Mail for them is accepted on the MX. Owner: store. */
export const domains = pgTable("domains", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  name: text("name").notNull().unique(), // unicode, lowercase
  disabled: boolean("disabled").notNull().default(false),
  catchallSeparator: text("catchall_separator").notNull().default("+"),
  dkimSelector: text("dkim_selector").notNull().default("postwire"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Account settings kept as one JSON document (webhooks, limits, FromID logins, keep periods). */
export type AccountSettings = {
  fromIdLoginAddresses: string[];
  keepRetiredMessageMs: number;
  keepRetiredWebhookMs: number;
  maxOutgoingMessagesPerDay: number;
  maxFirstTimeRecipientsPerDay: number;
  /** Category names Send accepts; `*` accepts any (absent in rows written before categories existed). */
  categories?: string[];
};

/** Accounts. Passwords are stored as scrypt hashes only. Owner: store. */
export const accounts = pgTable("accounts", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  name: text("name").notNull().unique(),
  fullName: text("full_name").notNull().default(""),
  passwordHash: text("password_hash").notNull().default(""),
  /**
   * Who sets the password: `config` (the config file's passwordFile, applied at every start of
   * serve) or `command` (`postwire account add|passwd`; serve never changes it).
   */
  passwordSource: text("password_source").$type<"config" | "command">().notNull().default("command"),
  loginDisabled: boolean("login_disabled").notNull().default(false),
  settings: jsonb("settings").$type<AccountSettings>().notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Addresses delivered to an account (unicode, lowercase). Owner: store. */
export const addresses = pgTable(
  "addresses",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    address: text("address").notNull().unique(),
    isLogin: boolean("is_login").notNull().default(false),
  },
  (t) => [index("addresses_account_idx").on(t.accountId)],
);

/** Special-use mailboxes every account has. */
export const mailboxRoles = ["inbox", "sent", "archive", "drafts", "trash", "junk", "rejects"] as const;
export type MailboxRole = (typeof mailboxRoles)[number];

/** Mailboxes of an account. Owner: store. */
export const mailboxes = pgTable(
  "mailboxes",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    role: text("role").$type<MailboxRole>(),
  },
  (t) => [uniqueIndex("mailboxes_account_name_idx").on(t.accountId, t.name)],
);

/** SMTP envelope and connection facts of a received message. */
export type Envelope = {
  mailFrom: string;
  rcptTo: string;
  remoteIp: string;
  helo: string;
  tls: boolean;
  authUser: string | null;
  listener: string;
};

/**
 * Stored messages: raw bytes exactly as received plus the parsed form. A message whose parse
 * failed keeps `parsed` null and `parseError` set. Deleted messages keep a tombstone
 * (`expunged`, raw emptied) so a second delete is told apart from an unknown id. Owner: store.
 */
export const messages = pgTable(
  "messages",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: bigint("account_id", { mode: "number" })
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    mailboxId: bigint("mailbox_id", { mode: "number" })
      .notNull()
      .references(() => mailboxes.id),
    receivedAt: timestamp("received_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    size: integer("size").notNull(),
    raw: bytea("raw").notNull(),
    envelope: jsonb("envelope").$type<Envelope>().notNull(),
    msgFrom: text("msg_from").notNull().default(""),
    subject: text("subject").notNull().default(""),
    messageIdHeader: text("message_id_header").notNull().default(""),
    parsed: jsonb("parsed").$type<Record<string, unknown>>(),
    parseError: text("parse_error"),
    flags: text("flags").array().notNull().default(sql`'{}'::text[]`),
    isDsn: boolean("is_dsn").notNull().default(false),
    mailFromValidated: boolean("mail_from_validated").notNull().default(false),
    msgFromValidated: boolean("msg_from_validated").notNull().default(false),
    dkimDomains: text("dkim_domains").array().notNull().default(sql`'{}'::text[]`),
    expunged: boolean("expunged").notNull().default(false),
    /** Its search document is in message_search (written by the first search after it arrived). */
    searchIndexed: boolean("search_indexed").notNull().default(false),
  },
  (t) => [
    index("messages_account_mailbox_idx").on(t.accountId, t.mailboxId, t.id),
    index("messages_account_rcpt_idx").on(t.accountId, sql`(${t.envelope}->>'rcptTo')`, t.id),
    // Small: only messages no search has indexed yet.
    index("messages_search_pending_idx").on(t.accountId, t.id).where(sql`not ${t.searchIndexed}`),
  ],
);
