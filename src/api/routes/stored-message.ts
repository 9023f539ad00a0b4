/**
 * Stored messages as the webapi shows them: the lookup every Message* method starts with
 * (another account's id and a deleted message are both `messageNotFound`, docs/contract.md §1.3 and
 * docs/guarantees.md C9), and the Message and MessageMeta views of a stored row.
 */
import type { DbOrTx } from "../../db/index.js";
import { parseMessage, type ParsedMessage, type ParseResult } from "../../message/index.js";
import { getMessage, type StoredMessage } from "../../store/index.js";
import { withZoneOffset } from "../../events/index.js";
import { ApiError } from "../errors.js";
import { orderFlags } from "../flags.js";
import type { Message, MessageMeta, Structure } from "../types.js";

/** A stored message with its mailbox name. */
export type LoadedMessage = StoredMessage & { mailboxName: string };

/** The account's live message, or ApiError `messageNotFound`. */
export async function loadMessage(db: DbOrTx, accountId: number, msgId: number): Promise<LoadedMessage> {
  const m = await getMessage(db, accountId, msgId);
  if (!m || m.expunged) throw new ApiError("messageNotFound", "message not found");
  return m;
}

/** The parsed form: stored at receive time, else parsed again (an earlier parse may have timed out). */
export async function parsedForm(m: LoadedMessage, parse: (raw: Buffer) => Promise<ParseResult> = parseMessage): Promise<ParsedMessage | null> {
  if (m.parsed) return m.parsed as unknown as ParsedMessage;
  const r = await parse(m.raw);
  return r.ok ? r : null;
}

/** mox `webapi.Message` of a parsed message (an unparsable one gives empty fields). */
export function messageView(p: ParsedMessage | null): Message {
  // Stored as UTC with the header's zone beside it: printed in that zone, as mox does.
  const date = p?.Date ? withZoneOffset(new Date(p.Date as unknown as string), p.DateOffset) : null;
  return {
    From: p?.From ?? [],
    To: p?.To ?? [],
    CC: p?.CC ?? [],
    BCC: p?.BCC ?? [],
    ReplyTo: p?.ReplyTo ?? [],
    MessageID: p?.MessageID ?? "",
    References: p?.References ?? [],
    Date: date && !Number.isNaN(date.getTime()) ? date : null,
    Subject: p?.Subject ?? "",
    Text: p?.Text ?? "",
    HTML: p?.HTML ?? "",
  };
}

/** The MIME structure; an unparsable message shows as one opaque part. */
export function structureView(p: ParsedMessage | null, m: LoadedMessage): Structure {
  if (p) return p.Structure as Structure;
  return { ContentType: "application/octet-stream", ContentTypeParams: {}, ContentID: "", ContentDisposition: "", Filename: "", DecodedSize: m.size, Parts: [] };
}

/** mox `webapi.MessageMeta` of a stored message. */
export function metaView(m: LoadedMessage): MessageMeta {
  return {
    Size: m.size,
    DSN: m.isDsn,
    Flags: orderFlags(m.flags),
    MailFrom: m.envelope.mailFrom,
    MailFromValidated: m.mailFromValidated,
    RcptTo: m.envelope.rcptTo,
    MsgFrom: m.msgFrom,
    MsgFromValidated: m.msgFromValidated,
    DKIMVerifiedDomains: m.dkimDomains,
    RemoteIP: m.envelope.remoteIp,
    MailboxName: m.mailboxName,
  };
}
