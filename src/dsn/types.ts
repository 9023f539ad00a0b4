// Types of delivery status notifications (RFC 3464, RFC 6533 for UTF-8).

/** RFC 3464 §2.3.3 Action values. */
export const dsnActions = ["failed", "delayed", "delivered", "relayed", "expanded"] as const;

/** One of {@link dsnActions}. */
export type DsnAction = (typeof dsnActions)[number];

/** The remote host that gave the reply, for `Remote-MTA`. */
export interface RemoteMta {
  /** Host name as dialled. */
  readonly name: string;
  /** IP address, written as a comment after the name. */
  readonly ip?: string;
}

/** Per-recipient input of {@link DsnComposeRequest}. */
export interface DsnRecipient {
  /** Final recipient address (unicode domain allowed). */
  readonly address: string;
  /** ORCPT, if the original submission carried one. */
  readonly originalRecipient?: string;
  readonly action: DsnAction;
  /** Enhanced status `x.y.z`; defaults to 5.0.0 / 4.0.0 / 2.0.0 by action, as mox does. */
  readonly status?: string;
  /** Short explanation added as a comment after Status, e.g. the delivery error. */
  readonly statusComment?: string;
  /** The remote SMTP reply, lines joined by spaces, without the `smtp;` type: `550 5.1.1 no such user`. */
  readonly diagnosticCode?: string;
  readonly remoteMta?: RemoteMta;
  readonly lastAttempt?: Date;
  readonly willRetryUntil?: Date;
  /** Error for the human-readable part; defaults to `statusComment`. The diagnostic code is always shown as the full SMTP response. */
  readonly error?: string;
}

/** Input of `composeDsn`. */
export interface DsnComposeRequest {
  /** `failed`: permanent failure notice; `delayed`: still retrying. */
  readonly kind: "failed" | "delayed";
  /** Our host name: Reporting-MTA, `postmaster@<hostname>` and the Message-ID host. */
  readonly hostname: string;
  /** Where the DSN goes: the original MAIL FROM. */
  readonly to: string;
  /** The original message, or just its header section; only the header is included. */
  readonly originalHeaders: Uint8Array;
  /** Message-ID of the original, for References (threads the DSN with it). */
  readonly originalMessageId?: string;
  /** When the original was queued. */
  readonly arrivalDate?: Date;
  readonly recipients: readonly DsnRecipient[];
  /** The original needed SMTPUTF8: use message/global-delivery-status and global headers. */
  readonly smtpUtf8?: boolean;
  /** FUTURERELEASE request of the original (RFC 4865), echoed as a field. */
  readonly futureReleaseRequest?: string;
  /** Clock for Date; injected in tests. */
  readonly now?: () => Date;
}

/** One per-recipient block of a parsed DSN. */
export interface DsnRecipientReport {
  /** Address from Final-Recipient, with the address type removed. */
  readonly finalRecipient: string;
  /** Address from Original-Recipient, or "". */
  readonly originalRecipient: string;
  /** Lowercase Action value as given; may be outside {@link dsnActions}. */
  readonly action: string;
  /** Status without comments, e.g. `5.1.1`. */
  readonly status: string;
  /** Diagnostic-Code text after `smtp;`, or "" when absent or of another type. */
  readonly diagnosticCode: string;
  /** Remote-MTA without its type, or "". */
  readonly remoteMta: string;
  /** SMTP code from the diagnostic, else 400/500 from Status class 4/5, else 0 (mox §2.9). */
  readonly smtpCode: number;
  /** `<smtpCode/100>.<subject>.<detail>` as mox builds it, or "". */
  readonly enhancedCode: string;
  readonly lastAttemptDate: Date | null;
  readonly willRetryUntil: Date | null;
  /** All fields of the block in order, names as written. */
  readonly fields: Array<[string, string]>;
}

/** A parsed delivery-status part. */
export interface ParsedDsn {
  /** Whether the part was message/global-delivery-status (RFC 6533). */
  readonly utf8: boolean;
  /** Reporting-MTA without its type. */
  readonly reportingMta: string;
  readonly originalEnvelopeId: string;
  readonly arrivalDate: Date | null;
  readonly recipients: DsnRecipientReport[];
}

/**
 * Result of `parseDsn`: not a DSN at all, a DSN whose status part could not be read
 * (mox still counts it as a DSN), or a parsed DSN.
 */
export type DsnParseResult =
  | { readonly isDsn: false; readonly reason: string }
  | { readonly isDsn: true; readonly ok: false; readonly error: string }
  | { readonly isDsn: true; readonly ok: true; readonly dsn: ParsedDsn };
