// SMTP reply codes (RFC 5321 §4.2.3), enhanced status codes (RFC 3463, registry RFC 5248)
// and the catalogue of replies Postwire sends. Pure data and string helpers; no I/O.

/** Basic reply codes Postwire uses, by meaning (RFC 5321 §4.2.3). */
export const replyCodes = {
  serviceReady: 220,
  closing: 221,
  authSucceeded: 235,
  ok: 250,
  startMailInput: 354,
  serviceUnavailable: 421,
  mailboxUnavailableTemp: 450,
  localError: 451,
  insufficientStorage: 452,
  tempAuthFailure: 454,
  syntaxError: 500,
  paramSyntaxError: 501,
  notImplemented: 502,
  badSequence: 503,
  paramNotImplemented: 504,
  authRequired: 530,
  authFailed: 535,
  encryptionRequired: 538,
  mailboxUnavailable: 550,
  userNotLocal: 551,
  exceededStorage: 552,
  mailboxNameNotAllowed: 553,
  transactionFailed: 554,
} as const;

/** A complete reply: code, enhanced code and default text. */
export interface SmtpReply {
  readonly responseCode: number;
  readonly enhancedCode: string;
  readonly message: string;
}

/**
 * The replies inbound sends for its refusals, so the same condition always gets the same
 * codes (docs/guarantees.md A1–A13). Turn one into an error with `smtpError(name)`.
 */
export const smtpReplies = {
  relayDenied: { responseCode: 550, enhancedCode: "5.7.1", message: "relaying denied" },
  noSuchUser: { responseCode: 550, enhancedCode: "5.1.1", message: "no such user" },
  badRecipientSyntax: { responseCode: 501, enhancedCode: "5.1.3", message: "bad recipient address syntax" },
  badSenderSyntax: { responseCode: 501, enhancedCode: "5.1.7", message: "bad sender address syntax" },
  senderNotAllowed: { responseCode: 550, enhancedCode: "5.7.1", message: "sender address not allowed for this account" },
  smtpUtf8Required: { responseCode: 553, enhancedCode: "5.6.7", message: "non-ascii address requires SMTPUTF8" },
  messageTooBig: { responseCode: 552, enhancedCode: "5.3.4", message: "message too big" },
  headerTooLarge: { responseCode: 552, enhancedCode: "5.3.4", message: "header too large" },
  // mox's wording for CVE-2023-51764 style input (docs/guarantees.md A1/A2).
  bareLineEnding: {
    responseCode: 500,
    enhancedCode: "5.5.2",
    message: "invalid bare carriage return or newline in message, may be smtp smuggling",
  },
  lineTooLong: { responseCode: 500, enhancedCode: "5.5.2", message: "line too long" },
  badSequence: { responseCode: 503, enhancedCode: "5.5.1", message: "bad sequence of commands" },
  binaryMimeUnsupported: { responseCode: 504, enhancedCode: "5.5.4", message: "BODY=BINARYMIME requires CHUNKING, not supported" },
  tooManyRecipients: { responseCode: 452, enhancedCode: "4.5.3", message: "too many recipients" },
  localError: { responseCode: 451, enhancedCode: "4.3.0", message: "local error, try again later" },
  storageFull: { responseCode: 452, enhancedCode: "4.3.1", message: "insufficient system storage, try again later" },
  tooManyConnections: { responseCode: 421, enhancedCode: "4.7.0", message: "too many connections, try again later" },
  authRequired: { responseCode: 530, enhancedCode: "5.7.0", message: "authentication required" },
  authFailed: { responseCode: 535, enhancedCode: "5.7.8", message: "authentication credentials invalid" },
  authTooManyFailures: { responseCode: 421, enhancedCode: "4.7.0", message: "too many authentication failures" },
  encryptionRequired: { responseCode: 538, enhancedCode: "5.7.11", message: "encryption required for requested authentication mechanism" },
} as const satisfies Record<string, SmtpReply>;

/** Name of one of {@link smtpReplies}. */
export type SmtpReplyName = keyof typeof smtpReplies;

const enhancedRe = /^[245]\.\d{1,3}\.\d{1,3}$/;

/** Whether `s` is an enhanced status code `class.subject.detail` (RFC 3463 §2). */
export function isEnhancedCode(s: string): boolean {
  return enhancedRe.test(s);
}

/**
 * Whether reply text already starts with an enhanced code of the reply's class, e.g.
 * `(550, "5.7.1 relaying denied")`. Inbound uses it when it advertises ENHANCEDSTATUSCODES:
 * smtp-server 3.21 then prefixes a code chosen from the reply code alone, so a reply that
 * carries its own must be sent with context `false`:
 *
 * ```ts
 * class Server extends SMTPServer {
 *   override connect(socket, opts) {
 *     super.connect(socket, opts);
 *     const conn = [...this.connections].at(-1)!;
 *     const send = conn.send.bind(conn);
 *     conn.send = (code, data, ctx) =>
 *       send(code, data, typeof data === "string" && startsWithEnhancedCode(code, data) ? false : ctx);
 *   }
 * }
 * ```
 */
export function startsWithEnhancedCode(responseCode: number, text: string): boolean {
  const sp = text.indexOf(" ");
  const first = sp < 0 ? text : text.slice(0, sp);
  return isEnhancedCode(first) && first[0] === String(responseCode)[0];
}

/**
 * The full enhanced code for a reply code and a `subject.detail` pair, as mox builds
 * `SMTPEnhancedCode`: `(554, "0.0")` → `5.0.0`; "" when `detail` is empty.
 */
export function enhancedCodeFor(responseCode: number, detail: string): string {
  return detail === "" ? "" : `${Math.floor(responseCode / 100)}.${detail}`;
}

// Control characters would split the reply line (CRLF) or confuse clients.
// eslint-disable-next-line no-control-regex
const controlRe = /[\x00-\x1f\x7f]/g;

/** Reply text made single-line: control characters become spaces. */
export function sanitizeReplyText(text: string): string {
  return text.replace(controlRe, " ");
}
