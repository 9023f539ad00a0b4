/**
 * The webhook bodies of mox's package `webhook` (docs/contract.md §2.1, §2.2): types with Go's field
 * names and serializers that emit the same bytes as Go's `json.Marshal` — fields in declaration
 * order, lists as `[]` (never `null`), maps with sorted keys, times in RFC 3339.
 */
import { MOX_OUTGOING_EVENTS } from "../event-kind/index.js";
import { encodeGoJson, type GoJson, type GoJsonOptions, type GoStruct } from "./go-json.js";

/** The eight outgoing event names (docs/contract.md §2.3), in mox's order. */
export const OUTGOING_EVENTS = MOX_OUTGOING_EVENTS;

/** An outgoing delivery event (mox `webhook.OutgoingEvent`). */
export type OutgoingEvent = (typeof OUTGOING_EVENTS)[number];

/** Narrows a string (e.g. from config or an API filter) to an {@link OutgoingEvent}. */
export function isOutgoingEvent(s: string): s is OutgoingEvent {
  return (OUTGOING_EVENTS as readonly string[]).includes(s);
}

/** Payload of outgoing-delivery webhooks (mox `webhook.Outgoing`); fields in emitted order. */
export interface Outgoing {
  /** Format of the hook, always 0. */
  Version: 0;
  Event: OutgoingEvent;
  /** True when triggered by an incoming DSN message. */
  DSN: boolean;
  /** True when this failure added the recipient to the suppression list. */
  Suppressing: boolean;
  /** Queue message ID (same as `Submissions[].QueueMsgID` of Send). */
  QueueMsgID: number;
  /** Unique MAIL FROM id; may be `""`. */
  FromID: string;
  /** Message-Id of the original, with `<>`. */
  MessageID: string;
  /** Subject of the original message. */
  Subject: string;
  /** When the webhook was composed and queued. */
  WebhookQueued: Date;
  /** Queue events: the SMTP code on errors, else 0 (Postwire: 250 on `delivered`); DSN events: the DSN's code. */
  SMTPCode: number;
  /** e.g. `5.1.1`, or `""` when there is no enhanced code. */
  SMTPEnhancedCode: string;
  /** Last delivery error from the queue; `""` for DSN-triggered events. */
  Error: string;
  /** Extra fields from the submission: `{}` when none for queue-generated hooks; mox sends `null` for a DSN-triggered hook whose message had none. */
  Extra: Readonly<Record<string, string>> | null;
  /**
   * Postwire extension (docs/api.md "Outgoing event extensions"): the recipient this event is
   * about. Written after mox's fields when set; mox clients ignore unknown fields.
   */
  Recipient?: string;
  /** Postwire extension: the SMTP MAIL FROM of the message (may be `""` for a null sender). */
  MailFrom?: string;
  /** Postwire extension, on `failed` events from an incoming DSN: `soft` (may succeed later) or `hard`. */
  BounceClass?: "soft" | "hard";
}

/** A display name and address (mox `webhook.NameAddress`). */
export interface NameAddress {
  /** Display name, `""` when absent. */
  Name: string;
  Address: string;
}

/** MIME structure of a message (mox `webhook.Structure`). */
export interface Structure {
  /** Lowercase `type/subtype`. */
  ContentType: string;
  /** Lowercase keys, values as sent; `{}` when none. */
  ContentTypeParams: Readonly<Record<string, string>>;
  /** With `<>`, or `""`. */
  ContentID: string;
  /** Lowercase disposition value without parameters, or `""`. */
  ContentDisposition: string;
  /** Decoded file name from the disposition `filename` or content-type `name`, or `""`. */
  Filename: string;
  /** Size after transfer decoding; text counted with CRLF line ends. */
  DecodedSize: number;
  /** Sub-parts; `[]` for leaves. */
  Parts: readonly Structure[];
}

/** Storage and SMTP transaction details of an incoming message (mox `webhook.IncomingMeta`). */
export interface IncomingMeta {
  /** Message ID in storage, for MessageGet and friends. */
  MsgID: number;
  MailFrom: string;
  MailFromValidated: boolean;
  MsgFromValidated: boolean;
  RcptTo: string;
  /** `[]` when none. */
  DKIMVerifiedDomains: readonly string[];
  RemoteIP: string;
  Received: Date;
  /** Destination mailbox after rules, default `Inbox`. */
  MailboxName: string;
  /** Automated message (empty MAIL FROM, list headers, Auto-Submitted, multipart/report…). */
  Automated: boolean;
}

/** Payload of incoming-delivery webhooks (mox `webhook.Incoming`); fields in emitted order. */
export interface Incoming {
  /** Format of the hook, always 0. */
  Version: 0;
  From: readonly NameAddress[];
  To: readonly NameAddress[];
  CC: readonly NameAddress[];
  BCC: readonly NameAddress[];
  ReplyTo: readonly NameAddress[];
  Subject: string;
  /** With `<>`. */
  MessageID: string;
  /** With `<>`, or `""`. */
  InReplyTo: string;
  /** Each with `<>`; `[]` when none. */
  References: readonly string[];
  /** From the Date header; `null` when absent. */
  Date: Date | null;
  /** First text/plain part, LF line ends, at most 1 MiB. */
  Text: string;
  /** First text/html part, LF line ends, at most 1 MiB. */
  HTML: string;
  Structure: Structure;
  Meta: IncomingMeta;
}

/** Options of the serializers; the default is mox's webhook body (`json.Marshal`, compact). */
export type SerializeOptions = GoJsonOptions;

// The `?? []`/`?? {}` below guard against values built outside the type system (parsed JSON,
// DB rows): Go would print `null` for a nil slice, the contract wants `[]`.

function nameAddresses(list: readonly NameAddress[] | null | undefined): GoJson {
  return (list ?? []).map((a) => ({ struct: [["Name", a.Name ?? ""], ["Address", a.Address]] }));
}

/** The Go struct form of an {@link Outgoing}, for {@link encodeGoJson}. */
export function outgoingToGo(o: Outgoing): GoStruct {
  return {
    struct: [
      ["Version", o.Version],
      ["Event", o.Event],
      ["DSN", o.DSN],
      ["Suppressing", o.Suppressing],
      ["QueueMsgID", o.QueueMsgID],
      ["FromID", o.FromID],
      ["MessageID", o.MessageID],
      ["Subject", o.Subject],
      ["WebhookQueued", o.WebhookQueued],
      ["SMTPCode", o.SMTPCode],
      ["SMTPEnhancedCode", o.SMTPEnhancedCode],
      ["Error", o.Error],
      // null only when given explicitly (mox's DSN case); undefined becomes {}.
      ["Extra", o.Extra === null ? null : { map: o.Extra ?? {} }],
      // Postwire's additive fields, after mox's (absent in mox's own examples).
      ...(o.Recipient !== undefined ? ([["Recipient", o.Recipient]] as const) : []),
      ...(o.MailFrom !== undefined ? ([["MailFrom", o.MailFrom]] as const) : []),
      ...(o.BounceClass !== undefined ? ([["BounceClass", o.BounceClass]] as const) : []),
    ],
  };
}

/** The Go struct form of a {@link Structure}, recursively. */
export function structureToGo(s: Structure): GoStruct {
  return {
    struct: [
      ["ContentType", s.ContentType],
      ["ContentTypeParams", { map: s.ContentTypeParams ?? {} }],
      ["ContentID", s.ContentID],
      ["ContentDisposition", s.ContentDisposition],
      ["Filename", s.Filename],
      ["DecodedSize", s.DecodedSize],
      ["Parts", (s.Parts ?? []).map(structureToGo)],
    ],
  };
}

function metaToGo(m: IncomingMeta): GoStruct {
  return {
    struct: [
      ["MsgID", m.MsgID],
      ["MailFrom", m.MailFrom],
      ["MailFromValidated", m.MailFromValidated],
      ["MsgFromValidated", m.MsgFromValidated],
      ["RcptTo", m.RcptTo],
      ["DKIMVerifiedDomains", [...(m.DKIMVerifiedDomains ?? [])]],
      ["RemoteIP", m.RemoteIP],
      ["Received", m.Received],
      ["MailboxName", m.MailboxName],
      ["Automated", m.Automated],
    ],
  };
}

/** The Go struct form of an {@link Incoming}, for {@link encodeGoJson}. */
export function incomingToGo(i: Incoming): GoStruct {
  return {
    struct: [
      ["Version", i.Version],
      ["From", nameAddresses(i.From)],
      ["To", nameAddresses(i.To)],
      ["CC", nameAddresses(i.CC)],
      ["BCC", nameAddresses(i.BCC)],
      ["ReplyTo", nameAddresses(i.ReplyTo)],
      ["Subject", i.Subject],
      ["MessageID", i.MessageID],
      ["InReplyTo", i.InReplyTo],
      ["References", [...(i.References ?? [])]],
      ["Date", i.Date ?? null],
      ["Text", i.Text],
      ["HTML", i.HTML],
      ["Structure", structureToGo(i.Structure)],
      ["Meta", metaToGo(i.Meta)],
    ],
  };
}

/**
 * Serializes an outgoing payload exactly as mox's queue does (`json.Marshal`): compact, Go field
 * order, HTML-escaped. This string is the webhook body, composed once when the hook is queued.
 */
export function serializeOutgoing(o: Outgoing, options?: SerializeOptions): string {
  return encodeGoJson(outgoingToGo(o), options);
}

/** Serializes an incoming payload exactly as mox does; see {@link serializeOutgoing}. */
export function serializeIncoming(i: Incoming, options?: SerializeOptions): string {
  return encodeGoJson(incomingToGo(i), options);
}
