import type { ParseResult } from "../message/index.js";
import { serializeIncoming, withZoneOffset, type Incoming } from "../events/index.js";

/** Facts of the stored copy that go into the Incoming payload's Meta. */
export type IncomingFacts = {
  msgId: number;
  mailFrom: string;
  rcptTo: string;
  remoteIp: string;
  received: Date;
  mailboxName: string;
  mailFromValidated: boolean;
  msgFromValidated: boolean;
  dkimVerifiedDomains: string[];
};

/**
 * mox's webhook.Incoming JSON for a stored message, composed once at commit and kept in the
 * event log, so webhooks and WebSocket frames carry the same bytes. An unparsable message gets
 * empty header fields and a bare Structure, never a missing event.
 */
export function incomingPayload(parsed: ParseResult, f: IncomingFacts, rawSize: number): string {
  const p = parsed.ok ? parsed : null;
  const inc: Incoming = {
    Version: 0,
    From: p?.From ?? [],
    To: p?.To ?? [],
    CC: p?.CC ?? [],
    BCC: p?.BCC ?? [],
    ReplyTo: p?.ReplyTo ?? [],
    Subject: p?.Subject ?? "",
    MessageID: p?.MessageID ?? "",
    InReplyTo: p?.InReplyTo ?? "",
    References: p?.IncomingReferences ?? [],
    Date: p?.Date ? withZoneOffset(p.Date, p.DateOffset) : null, // in the header's zone, as mox
    Text: p?.Text ?? "",
    HTML: p?.HTML ?? "",
    Structure: p?.Structure ?? {
      ContentType: "application/octet-stream",
      ContentTypeParams: {},
      ContentID: "",
      ContentDisposition: "",
      Filename: "",
      DecodedSize: rawSize,
      Parts: [],
    },
    Meta: {
      MsgID: f.msgId,
      MailFrom: f.mailFrom,
      MailFromValidated: f.mailFromValidated,
      MsgFromValidated: f.msgFromValidated,
      RcptTo: f.rcptTo,
      DKIMVerifiedDomains: f.dkimVerifiedDomains,
      RemoteIP: f.remoteIp,
      Received: f.received,
      MailboxName: f.mailboxName,
      Automated: p?.Automated ?? f.mailFrom === "",
    },
  };
  return serializeIncoming(inc);
}
