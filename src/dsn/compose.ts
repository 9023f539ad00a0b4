// composeDsn: the multipart/report; report-type=delivery-status message (RFC 3464) that
// delivery writes into the sender's Inbox, modelled on mox's dsn.Message.Compose and
// queue/dsn.go: From postmaster@<hostname>, subject "mail delivery failed|delayed", a human
// part, the machine part and the original header section.
import { randomBytes } from "node:crypto";
import { formatMessageDate, generateMessageId, headerSectionEnd } from "../message/index.js";
import { AddressError, formatAddress, isAscii, needsSmtpUtf8, parseAddress, type EmailAddress } from "../smtp/index.js";
import { DsnError } from "./errors.js";
import { humanText } from "./text.js";
import type { DsnComposeRequest, DsnRecipient } from "./types.js";

/**
 * Builds the DSN bytes (CRLF line ends). The caller prepends Return-Path/Delivered-To.
 * @throws DsnError `noRecipients` or `badAddress`.
 */
export function composeDsn(req: DsnComposeRequest): Buffer {
  if (req.recipients.length === 0) throw new DsnError("noRecipients", "composing dsn: missing per-recipient fields");
  const utf8 = req.smtpUtf8 ?? false;
  const to = parse(req.to);
  const now = (req.now ?? (() => new Date()))();
  const boundary = randomBytes(30).toString("hex");
  const addr = (a: EmailAddress): string => formatAddress(a, { ascii: !utf8 });

  let head = `From: <${addr({ localpart: "postmaster", domain: req.hostname })}>\r\n`;
  head += `To: <${addr(to)}>\r\n`;
  head += `Subject: ${req.kind === "failed" ? "mail delivery failed" : "mail delivery delayed"}\r\n`;
  head += `Message-Id: ${generateMessageId(req.hostname, utf8)}\r\n`;
  if (req.originalMessageId) head += `References: ${singleLine(req.originalMessageId)}\r\n`;
  head += `Date: ${formatMessageDate(now)}\r\nMIME-Version: 1.0\r\n`;
  head += `Content-Type: multipart/report; report-type="delivery-status"; boundary="${boundary}"\r\n\r\n`;

  const text = humanText(req).replace(/\r?\n/g, "\r\n");
  const parts = [
    part(isAscii(text) ? "text/plain; charset=us-ascii" : "text/plain; charset=utf-8", isAscii(text) ? "7bit" : "8bit", Buffer.from(text)),
    part(utf8 ? "message/global-delivery-status" : "message/delivery-status", utf8 ? "8bit" : "7bit", Buffer.from(statusFields(req, utf8, now))),
    originalPart(req.originalHeaders, utf8),
  ];
  const body = parts.map((p) => Buffer.concat([Buffer.from(`--${boundary}\r\n`), p, Buffer.from("\r\n")]));
  return Buffer.concat([Buffer.from(head), ...body, Buffer.from(`--${boundary}--\r\n`)]);
}

function part(contentType: string, cte: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`Content-Type: ${contentType}\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n`), data]);
}

// RFC 3464 §2.2 per-message fields, then §2.3 per-recipient blocks, blank-line separated.
function statusFields(req: DsnComposeRequest, utf8: boolean, now: Date): string {
  let s = field("Reporting-MTA", `dns; ${req.hostname}`);
  s += field("Arrival-Date", formatMessageDate(req.arrivalDate ?? now));
  if (req.futureReleaseRequest) s += field("Future-Release-Request", req.futureReleaseRequest);
  for (const r of req.recipients) s += `\r\n${recipientFields(r, utf8)}`;
  return s;
}

function recipientFields(r: DsnRecipient, utf8: boolean): string {
  let s = "";
  if (r.originalRecipient) s += field("Original-Recipient", addressField(r.originalRecipient, utf8));
  s += field("Final-Recipient", addressField(r.address, utf8));
  s += field("Action", r.action);
  const status = r.status || (r.action === "failed" ? "5.0.0" : r.action === "delayed" ? "4.0.0" : "2.0.0");
  // Parentheses would end the comment early; brackets keep the text readable.
  s += field("Status", r.statusComment ? `${status} (${r.statusComment.replace(/\(/g, "[").replace(/\)/g, "]")})` : status);
  if (r.remoteMta) s += field("Remote-MTA", `dns; ${r.remoteMta.name}${r.remoteMta.ip ? ` (${r.remoteMta.ip})` : ""}`);
  if (r.diagnosticCode) s += field("Diagnostic-Code", `smtp; ${r.diagnosticCode}`);
  if (r.lastAttempt) s += field("Last-Attempt-Date", formatMessageDate(r.lastAttempt));
  if (r.willRetryUntil) s += field("Will-Retry-Until", formatMessageDate(r.willRetryUntil));
  return s;
}

// RFC 3464 §2.1.2 address types: rfc822 for ASCII, utf-8 (RFC 6533 §3) otherwise. Without
// a global DSN, non-ASCII is written as \x{HEX} (utf-8-addr-xtext).
function addressField(address: string, utf8: boolean): string {
  const a = parse(address);
  if (!needsSmtpUtf8(a)) return `rfc822; ${formatAddress(a, { ascii: !utf8 })}`;
  const s = formatAddress(a, { ascii: !utf8 });
  return `utf-8; ${utf8 ? s : [...s].map((c) => (isAscii(c) ? c : `\\x{${c.codePointAt(0)!.toString(16).toUpperCase()}}`)).join("")}`;
}

// One field, control characters flattened (remote replies are untrusted), folded at spaces.
function field(name: string, value: string): string {
  const words = singleLine(value).split(" ");
  let out = `${name}:`;
  let lineLen = out.length;
  for (const w of words) {
    if (lineLen + 1 + w.length > 78 && lineLen > name.length + 1) {
      out += "\r\n ";
      lineLen = 1;
    } else {
      out += " ";
      lineLen++;
    }
    out += w;
    lineLen += w.length;
  }
  return `${out}\r\n`;
}

function singleLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]+/g, " ").trim();
}

// The original header section, with any line ends made CRLF. ASCII goes as
// text/rfc822-headers; 8-bit as message/global-headers in a global DSN, else base64 (mox).
function originalPart(original: Uint8Array, utf8: boolean): Buffer {
  const headers = Buffer.from(original.subarray(0, headerSectionEnd(original)))
    .toString("utf8")
    .replace(/\r\n|\r|\n/g, "\n")
    .replace(/\n+$/, "\n")
    .replace(/\n/g, "\r\n");
  if (isAscii(headers)) return part("text/rfc822-headers", "7bit", Buffer.from(headers));
  if (utf8) return part("message/global-headers", "8bit", Buffer.from(headers));
  const b64 = Buffer.from(headers).toString("base64").replace(/.{1,76}/g, "$&\r\n");
  return part("text/rfc822-headers; charset=utf-8", "base64", Buffer.from(b64.slice(0, -2)));
}

function parse(address: string): EmailAddress {
  try {
    return parseAddress(address);
  } catch (err) {
    if (err instanceof AddressError) throw new DsnError("badAddress", `composing dsn: ${err.message}`, { cause: err });
    throw err;
  }
}
