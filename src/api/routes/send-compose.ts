/**
 * Send's composition step and its Sent copy. The message bytes come from message's
 * composeMessage (docs/contract.md §1.6); this file only gathers the files (JSON ones first, then
 * uploads of the same kind, as mox) and builds the Sent copy with its `Bcc:` header.
 */
import {
  composeMessage,
  headerSectionEnd,
  prependHeaders,
  type ComposedMessage,
  type ComposeFile,
} from "../../message/index.js";
import type { NameAddress, SendRequest } from "../types.js";
import type { UploadedFile } from "../registry.js";
import { ApiError } from "../errors.js";
import { isZeroTime } from "../wire.js";

/** Settings of composition that come from the server. */
export type ComposeSettings = { hostname: string; userAgent: string; maxMessageSize: number; now: () => Date };

/** Composes the message of a Send request with `from` resolved; throws ApiError/ComposeError. */
export function composeSend(req: SendRequest, from: NameAddress, files: readonly UploadedFile[], s: ComposeSettings): ComposedMessage {
  const uploads = (field: string): ComposeFile[] =>
    files
      .filter((f) => f.field === field)
      .map((f) => ({ Name: f.filename, ContentType: f.contentType, ContentID: f.contentId, Bytes: f.data }));
  const composed = composeMessage(
    {
      From: from,
      To: req.To,
      CC: req.CC,
      BCC: req.BCC,
      ReplyTo: req.ReplyTo,
      Subject: req.Subject,
      MessageID: req.MessageID,
      References: req.References,
      Date: isZeroTime(req.Date) ? null : req.Date,
      Text: req.Text,
      HTML: req.HTML,
      Headers: req.Headers,
      AlternativeFiles: [...req.AlternativeFiles, ...uploads("alternativefile")],
      InlineFiles: [...req.InlineFiles, ...uploads("inlinefile")],
      AttachedFiles: [...req.AttachedFiles, ...uploads("attachedfile")],
    },
    { hostname: s.hostname, userAgent: s.userAgent, now: s.now },
  );
  if (composed.raw.length > s.maxMessageSize) {
    throw new ApiError("messageTooLarge", `message too large: ${composed.raw.length} bytes, max ${s.maxMessageSize}`);
  }
  return composed;
}

/**
 * The copy for the Sent mailbox: the composed message with a `Bcc:` header prepended when
 * there were BCC recipients (docs/contract.md §1.6). The header is the `To:` field message writes
 * for those addresses (same encoding and folding), renamed.
 */
export function sentCopy(composed: ComposedMessage, req: SendRequest, from: NameAddress, s: ComposeSettings): Buffer {
  if (req.BCC.length === 0) return composed.raw;
  const bccOnly = composeMessage({ From: from, To: req.BCC, Text: "-" }, { hostname: s.hostname, now: s.now });
  const head = bccOnly.raw.subarray(0, headerSectionEnd(bccOnly.raw)).toString("utf8");
  const to = /^To: .*(?:\r\n[ \t].*)*\r\n/m.exec(head);
  if (!to) throw new Error("composing bcc header: no To field in composed header");
  return prependHeaders(composed.raw, [`Bcc${to[0].slice(2)}`]);
}
