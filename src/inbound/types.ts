import type { Logger } from "pino";
import type { AuthLimiter } from "../auth/index.js";
import type { Clock } from "../clock/index.js";
import type { Database, Tx } from "../db/index.js";
import type { EventLog } from "../events/index.js";
import type { Metrics } from "../metrics/index.js";

/** Which listener a session arrived on. */
export type ListenerKind = "mx" | "submission" | "submissions";

/** A PEM certificate chain and its private key. */
export type CertificatePair = { key: string; cert: string };

/**
 * A listener's TLS material: the default certificate, and per-name ones chosen by the name the
 * client asks for (SNI, exact match, lowercase).
 */
export type TlsMaterial = CertificatePair & { sni?: (CertificatePair & { names: string[] })[] };

/** How one SMTP listener is started. */
export type ListenerSpec = {
  kind: ListenerKind;
  host: string;
  port: number;
  /** Current TLS material, or null for none (no STARTTLS; a submissions listener refuses to start). */
  tls: () => TlsMaterial | null;
  /** Submission: accept AUTH before TLS (clear-text passwords). Never on by default. */
  allowInsecureAuth?: boolean;
};

/** A recipient accepted at RCPT TO on the MX. */
export type LocalRecipient = { accountId: number; address: string; rcptTo: string };

/** Finds the local account for an RCPT TO address (store lookup, or localserve's catch-all). */
export type RecipientResolver = (address: string) => Promise<LocalRecipient | "unknownDomain" | "unknownUser" | "domainDisabled">;

/** A simulated failure (localserve): reply with this instead of going on. */
export type SimulatedFailure = { code: number; enhanced: string; message: string; delayMs?: number };
/** localserve's failure simulator (see localserve/failures.ts). */
export type FailureCheck = (phase: "mailfrom" | "rcptto" | "data", address: string, messageKey: string) => SimulatedFailure | null;

/** Result of SPF/DKIM/DMARC verification of an incoming message. */
export type VerifyResult = {
  /** Complete Authentication-Results header field ending in CRLF, or "". */
  authenticationResults: string;
  /** Complete Received-SPF header field ending in CRLF, if any. */
  receivedSpf?: string;
  mailFromValidated: boolean;
  msgFromValidated: boolean;
  dkimVerifiedDomains: string[];
};
export type Verifier = (m: { raw: Buffer; ip: string; helo: string; mailFrom: string }) => Promise<VerifyResult>;

/** An authenticated submission handed to the outgoing queue. */
export type OutgoingSubmission = {
  accountId: number;
  loginAddress: string;
  from: string;
  recipients: string[];
  raw: Buffer;
  messageId: string;
  subject: string;
  extra: Record<string, string>;
  requireTls: boolean | null;
  futureRelease: Date | null;
  fromId?: string | null;
  source: "smtp";
};

/** Everything the SMTP listeners need, injected by app/. */
export type InboundDeps = {
  database: Database;
  log: Logger;
  /** Session, reply and accept counters (absent: none). */
  metrics?: Metrics;
  clock: Clock;
  eventLog: EventLog;
  limiter: AuthLimiter;
  hostname: string;
  limits: {
    maxMessageSize: number;
    maxRecipients: number;
    maxConnectionsPerIp: number;
    maxConnections: number;
    commandTimeoutMs: number;
    sessionTimeoutMs: number;
    /** Statement budget of the accept transaction: a stalled database answers 451, never a late commit. */
    commitTimeoutMs: number;
    /** Pause before the greeting (early-talker detection); smtp-server's own is 100 ms. */
    greetPauseMs: number;
  };
  resolveRecipient: RecipientResolver;
  verify?: Verifier;
  simulate?: FailureCheck;
  /** Delivery's FromID/DSN matching: true when it consumed the message (no incoming event). */
  matchIncoming?: (tx: Tx, m: { accountId: number; rcptTo: string; raw: Buffer; parsed: Record<string, unknown> | null }) => Promise<boolean>;
  /** Delivery's submit: enqueues the message for its recipients inside tx. */
  submit?: (tx: Tx, s: OutgoingSubmission) => Promise<unknown>;
  /** Called after a submission committed (wakes the delivery queue). */
  submitted?: () => void;
};
