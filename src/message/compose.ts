// composeMessage: a webapi Send request to message bytes, per docs/contract.md §1.6. Header
// order From, Reply-To, To, Cc, Subject, Date, Message-Id, References, In-Reply-To,
// MIME-Version, custom headers, User-Agent, Content-Type. BCC never reaches the header.
import { AddressError, formatAddress, needsSmtpUtf8, parseAddress, type EmailAddress } from "../smtp/index.js";
import { composeBody, type ComposeFile } from "./compose-body.js";
import { ComposeError } from "./errors.js";
import { composerOwnedFields } from "./field-limits.js";
import { addressHeader, formatDate, formatMailbox, subjectHeader } from "./mime-encode.js";
import { generateMessageId, hasBareCrOrLf } from "./raw.js";
import type { NameAddress } from "./types.js";

/** The message fields of a mox SendRequest (`From` resolved to one address by the caller). */
export interface ComposeRequest {
  From: NameAddress;
  To?: NameAddress[];
  CC?: NameAddress[];
  BCC?: NameAddress[];
  ReplyTo?: NameAddress[];
  Subject?: string;
  /** With `<>`; generated as `<22 base64url chars@hostname>` when empty. */
  MessageID?: string;
  /** If non-empty: References = all, In-Reply-To = the last. */
  References?: string[];
  /** Now when null or absent. */
  Date?: Date | null;
  /** LF (or CRLF) line ends; at least one of Text and HTML is required. */
  Text?: string;
  HTML?: string;
  /** Extra header fields, in order. */
  Headers?: Array<[string, string]>;
  AlternativeFiles?: ComposeFile[];
  InlineFiles?: ComposeFile[];
  AttachedFiles?: ComposeFile[];
}

/** Settings that do not come from the request. */
export interface ComposeOptions {
  /** Host name for generated Message-IDs (the server's hostname). */
  hostname: string;
  /** User-Agent value added unless the request has User-Agent or X-Mailer. */
  userAgent?: string;
  /** Clock for the Date header; injected in tests. */
  now?: () => Date;
}

/** A recipient in queue order (To, CC, BCC) with the string the request gave. */
export interface ComposedRecipient {
  readonly original: string;
  readonly address: EmailAddress;
}

/** The composed message and what the caller needs to queue it. */
export interface ComposedMessage {
  /** Message bytes: CRLF line ends only, never a bare CR or LF. */
  readonly raw: Buffer;
  /** The Message-ID written, with `<>`. */
  readonly messageId: string;
  /** True when any address has a non-ASCII localpart: send with SMTPUTF8. */
  readonly smtpUtf8: boolean;
  /** True when the bytes contain 8-bit data: send with BODY=8BITMIME. */
  readonly has8bit: boolean;
  readonly recipients: ComposedRecipient[];
}

/** Default User-Agent; mox writes `mox/<version>`. */
export const defaultUserAgent = "postwire/0.1.0";

/**
 * Composes a message from a Send request.
 * @throws ComposeError `missingBody`, `badAddress`, `malformedMessageID` or `user`.
 */
export function composeMessage(req: ComposeRequest, opts: ComposeOptions): ComposedMessage {
  if (!req.Text && !req.HTML) throw new ComposeError("missingBody", "at least text or html body required");
  const from = parseNamed(req.From);
  const to = (req.To ?? []).map(parseNamed);
  const cc = (req.CC ?? []).map(parseNamed);
  const bcc = (req.BCC ?? []).map(parseNamed);
  const replyTo = (req.ReplyTo ?? []).map(parseNamed);
  const smtpUtf8 = [from, ...to, ...cc, ...bcc, ...replyTo].some((a) => needsSmtpUtf8(a.address));
  const mailbox = (a: Named): string => formatMailbox(a.name, formatAddress(a.address, { ascii: !smtpUtf8 }));

  let h = addressHeader("From", [mailbox(from)]);
  if (replyTo.length > 0) h += addressHeader("Reply-To", replyTo.map(mailbox));
  if (to.length > 0) h += addressHeader("To", to.map(mailbox));
  if (cc.length > 0) h += addressHeader("Cc", cc.map(mailbox));
  if (req.Subject) h += subjectHeader(checkControl(req.Subject, "subject"), smtpUtf8);
  h += `Date: ${formatDate(req.Date ?? (opts.now ?? (() => new Date()))())}\r\n`;
  const messageId = messageIdFor(req.MessageID ?? "", opts.hostname, smtpUtf8);
  h += `Message-Id: ${messageId}\r\n`;
  h += referencesHeaders(req.References ?? []);
  h += "MIME-Version: 1.0\r\n";
  h += customHeaders(req.Headers ?? [], opts.userAgent ?? defaultUserAgent);

  const body = composeBody({
    text: req.Text ?? "",
    html: req.HTML ?? "",
    alternativeFiles: checkFiles(req.AlternativeFiles),
    inlineFiles: checkFiles(req.InlineFiles),
    attachedFiles: checkFiles(req.AttachedFiles),
    has8bit: smtpUtf8,
  });
  const raw = Buffer.concat([Buffer.from(h + body.header + "\r\n", "utf8"), body.body]);
  // Every piece is built with CRLF; this guards the promise made to delivery (A3).
  if (hasBareCrOrLf(raw)) throw new Error("composing message: internal error, bare CR or LF in output");
  const recipients = [...to, ...cc, ...bcc].map((a) => ({ original: a.original, address: a.address }));
  return { raw, messageId, smtpUtf8, has8bit: raw.some((b) => b >= 0x80), recipients };
}

interface Named {
  readonly name: string;
  readonly original: string;
  readonly address: EmailAddress;
}

function parseNamed(a: NameAddress): Named {
  try {
    return { name: checkControl(a.Name ?? "", "name"), original: a.Address, address: parseAddress(a.Address) };
  } catch (err) {
    if (err instanceof AddressError) throw new ComposeError("badAddress", err.message, { cause: err });
    throw err;
  }
}

// mox's xcheckcontrol: any character below 0x20 (tab included) is refused.
function checkControl(s: string, what: string): string {
  if (/[\x00-\x1f]/.test(s)) throw new ComposeError("user", `checking ${what}: control characters not allowed`);
  return s;
}

function messageIdFor(given: string, hostname: string, smtpUtf8: boolean): string {
  if (given === "") return generateMessageId(hostname, smtpUtf8);
  if (!given.startsWith("<") || !given.endsWith(">")) throw new ComposeError("malformedMessageID", "missing <> in message-id");
  return checkControl(given, "message-id");
}

// mox doesn't require <> on references: callers pass on what they received.
function referencesHeaders(refs: readonly string[]): string {
  if (refs.length === 0) return "";
  refs.forEach((r) => checkControl(r, "references"));
  return `References: ${refs.join("\r\n\t")}\r\nIn-Reply-To: ${refs[refs.length - 1]}\r\n`;
}

const headerNameRe = /^[\x21-\x39\x3b-\x7e]+$/;

function customHeaders(headers: ReadonlyArray<readonly [string, string]>, userAgent: string): string {
  let out = "";
  let haveAgent = false;
  for (const [k, v] of headers) {
    checkControl(k, "header name");
    checkControl(v, "header value");
    if (!headerNameRe.test(k)) throw new ComposeError("user", `checking header name ${JSON.stringify(k)}: invalid`);
    // The composer writes these itself: a second From (or To, Sender...) would let a client
    // show a reader an address the From check never saw.
    if (composerOwnedFields.has(k.toLowerCase())) {
      throw new ComposeError("user", `checking header name ${JSON.stringify(k)}: set by the message fields of the request, not allowed in Headers`);
    }
    out += `${k}: ${v}\r\n`;
    if (/^(user-agent|x-mailer)$/i.test(k)) haveAgent = true;
  }
  return haveAgent ? out : `${out}User-Agent: ${userAgent}\r\n`;
}

function checkFiles(files: readonly ComposeFile[] | undefined): ComposeFile[] {
  for (const f of files ?? []) {
    checkControl(f.ContentType ?? "", "content-type");
    checkControl(f.ContentID ?? "", "content-id");
  }
  return [...(files ?? [])];
}
