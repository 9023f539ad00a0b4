import type { Logger } from "pino";
import type { Clock } from "../clock/index.js";
import type { Database, Db, DbOrTx, Tx } from "../db/index.js";
import type { DeliveryResult, OutboundStatus } from "../db/schema/index.js";
import type { Resolver } from "../dns/index.js";
import type { Account } from "../store/index.js";
import type { EventLog } from "../events/index.js";
import type { Metrics } from "../metrics/index.js";
import type { IdempotencyKeys } from "./idempotency.js";
import type { UnsubscribeOutcome } from "./optout.js";
import type { Preference } from "./preferences.js";

export type { DeliveryResult, OutboundStatus };

/** Where to connect for a recipient domain (overrides the MX lookup; localserve, tests). */
export type Target = {
  host: string;
  port: number;
  /** PEM certificates trusted for this target besides the system's (localserve: its own self-signed one), so REQUIRETLS can verify it. */
  ca?: string;
};

/** A DKIM signing key for a From domain, in nodemailer's form. */
export type DkimKey = { domainName: string; keySelector: string; privateKey: string };

/** What createDelivery needs. */
export type DeliveryDeps = {
  database: Database;
  log: Logger;
  /** Attempt counters (absent: none). */
  metrics?: Metrics;
  clock: Clock;
  eventLog: EventLog;
  resolver: Resolver;
  /** This host's name: EHLO, DSN sender `postmaster@<hostname>`. */
  hostname: string;
  /** Divides every retry wait (localserve --time-scale, tests). */
  timeScale: number;
  /** Deliveries (SMTP transactions) in flight in this process. */
  concurrency: number;
  /** Replaces the MX lookup: hosts to try in order (null for a domain: its MX as usual). */
  target?: (domain: string) => Promise<Target[] | null>;
  /** The signing key of a From domain, or null to send unsigned. */
  dkim?: (fromDomain: string) => Promise<DkimKey | null>;
  /** Base URL of the HTTP listener as recipients reach it: one-click unsubscribe links; none when empty. */
  publicUrl?: string;
};

/** A message to send, as the webapi Send and SMTP submission hand it over. */
export type Submission = {
  accountId: number;
  /** The account's row when the caller has it at hand (saves reading it again). */
  account?: Account;
  /** The authenticated login address (FromIDLoginAddresses is matched against it). */
  loginAddress: string;
  /** The From address; the SMTP MAIL FROM unless a FromID is used. */
  from: string;
  /** In To, CC, BCC order; each gets its own queue message. */
  recipients: string[];
  /** The whole message with CRLF line ends. */
  raw: Buffer;
  messageId: string;
  subject: string;
  extra: Record<string, string>;
  requireTls: boolean | null;
  futureRelease: Date | null;
  /** A FromID chosen by the SMTP submitter (`user+fromid@`); one recipient only. */
  fromId?: string | null;
  /** Send's UniqueID (SendLookup). */
  uniqueId?: string;
  /** Send's Categories, already checked against the account's list. */
  categories?: string[];
  source: "webapi" | "smtp";
};

/** One queued recipient (mox webapi `Submission`); `optedOut`: retired at once, the category the recipient opted out of. */
export type Submitted = { address: string; queueMsgId: number; fromId: string; optedOut?: string };

/** Why checkSendLimits refuses (mox webapi error codes). */
export type SendLimit = null | "messageLimitReached" | "recipientLimitReached";

/** A message received over SMTP, offered to delivery before it becomes an incoming event. */
export type IncomingOffer = { accountId: number; rcptTo: string; raw: Buffer; parsed: Record<string, unknown> | null };

/** A suppression list entry (mox webapi `Suppression`, with the account id). */
export type Suppression = {
  id: number;
  createdAt: Date;
  accountId: number;
  baseAddress: string;
  originalAddress: string;
  manual: boolean;
  reason: string;
};

/** The suppression list of an account. */
export type Suppressions = {
  list(db: DbOrTx, accountId: number): Promise<Suppression[]>;
  /** @throws DeliveryError `error` when the base address is already listed, `badAddress`. */
  add(tx: Tx, accountId: number, address: string, manual: boolean, reason: string): Promise<Suppression>;
  /** @throws DeliveryError `error` when the base address is not listed, `badAddress`. */
  remove(tx: Tx, accountId: number, address: string): Promise<void>;
  /** @throws DeliveryError `badAddress`. */
  present(db: DbOrTx, accountId: number, address: string): Promise<boolean>;
};

/** An outgoing message as the admin sees it (queued or retired), without its body. */
export type OutboundMessage = {
  id: number;
  baseId: number;
  accountId: number;
  mailFrom: string;
  fromId: string;
  recipient: string;
  messageId: string;
  subject: string;
  extra: Record<string, string>;
  requireTls: boolean | null;
  hold: boolean;
  attempts: number;
  results: DeliveryResult[];
  status: OutboundStatus;
  queuedAt: Date;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  keepUntil: Date | null;
  uniqueId: string;
  categories: string[];
};

/**
 * Where a queued message stands: `held` (admin hold), `scheduled` (FutureRelease ahead, never
 * attempted), `delayed` (a temporary failure, next attempt ahead), `queued` (due or in progress).
 */
export type QueueState = "queued" | "delayed" | "scheduled" | "held";

/** Filter of admin.list; all fields optional. */
export type QueueFilter = {
  ids?: number[];
  accountId?: number;
  status?: OutboundStatus[];
  /** True: only retired rows, false: only queued rows. */
  retired?: boolean;
  /** Only rows to this recipient (case-insensitive). */
  recipient?: string;
  /** Only queued rows in this state, as of `now`. */
  state?: QueueState;
  now?: Date;
  /** Only rows with a smaller id (paging newest first). */
  beforeId?: number;
  limit?: number;
};

/** Operator actions on queued messages; each returns how many messages it changed. */
export type QueueAdmin = {
  list(filter: QueueFilter): Promise<OutboundMessage[]>;
  hold(ids: number[]): Promise<number>;
  release(ids: number[]): Promise<number>;
  retryNow(ids: number[]): Promise<number>;
  /** Fails permanently: failure DSN and `failed` event, error "delivery canceled by admin" (or `reason`). */
  fail(ids: number[], reason?: string): Promise<number>;
  /** Removes from the queue: `canceled` event, no DSN. */
  drop(ids: number[], reason?: string): Promise<number>;
};

/** The outgoing delivery service. */
export type Delivery = {
  submit(tx: Tx, s: Submission): Promise<Submitted[]>;
  /** Takes the account's id, or its row when the caller has it at hand. */
  checkSendLimits(db: DbOrTx, account: number | Account, recipients: string[]): Promise<SendLimit>;
  handleIncoming(tx: Tx, m: IncomingOffer): Promise<boolean>;
  suppressions: Suppressions;
  /** Send's idempotency keys. */
  idempotency: IdempotencyKeys;
  /** Per-recipient opt-outs of the account. */
  preferences: {
    get(db: DbOrTx, accountId: number, address: string): Promise<Preference>;
    set(tx: Tx, accountId: number, address: string, p: { optOut: string[]; all: boolean }): Promise<Preference>;
  };
  /** The latest message of an account to a recipient (SendLookup); "" matches any UniqueID or category. */
  lookup(db: DbOrTx, f: { accountId: number; recipient: string; uniqueId: string; category: string }): Promise<OutboundMessage | null>;
  /** Applies a one-click unsubscribe token (the POST of RFC 8058). */
  unsubscribe(token: string): Promise<UnsubscribeOutcome>;
  admin: QueueAdmin;
  start(): Promise<void>;
  /**
   * Stops claiming; deliveries in flight finish until `deadline` (a `performance.now()` time,
   * default: no limit), then are cut short and handed back uncounted.
   */
  stop(o?: { deadline?: number }): Promise<void>;
  wake(): void;
};

/** Internal context shared by the delivery files; `unsubscribeKey` is loaded once, on first use. */
export type Ctx = DeliveryDeps & { db: Db; unsubscribeKey: () => Promise<Buffer> };
