/**
 * The webapi v0 payload types (mox `webapi` package, docs/contract.md §1.4–1.6) as wire descriptors.
 * Field names and order are mox's Go field names and declaration order: they are the JSON keys.
 */
import type { Structure } from "../events/index.js";
import { t, type Infer, type StructType } from "./wire.js";

/** `{"Name","Address"}`: a display name and an email address. */
export const nameAddressT = t.struct("NameAddress", { Name: t.string, Address: t.string });
export type NameAddress = Infer<typeof nameAddressT>;

/** The message fields shared by Send (flattened into SendRequest) and MessageGet. */
export const messageFields = {
  From: t.list(nameAddressT),
  To: t.list(nameAddressT),
  CC: t.list(nameAddressT),
  BCC: t.list(nameAddressT),
  ReplyTo: t.list(nameAddressT),
  MessageID: t.string,
  References: t.list(t.string),
  Date: t.nullable(t.time),
  Subject: t.string,
  Text: t.string,
  HTML: t.string,
};

/** mox `webapi.Message`. */
export const messageT = t.struct("Message", messageFields);
export type Message = Infer<typeof messageT>;

/** mox `webapi.File`: an attachment given as base64 in JSON. */
export const fileT = t.struct("File", { Name: t.string, ContentType: t.string, ContentID: t.string, Data: t.string });
export type File = Infer<typeof fileT>;

/** mox `webapi.SendRequest`: Message flattened, then the sending options, then Postwire's extensions. */
export const sendRequestT = t.struct("SendRequest", {
  ...messageFields,
  Extra: t.map(t.string),
  Headers: t.list(t.pair),
  AlternativeFiles: t.list(fileT),
  InlineFiles: t.list(fileT),
  AttachedFiles: t.list(fileT),
  RequireTLS: t.nullable(t.bool),
  FutureRelease: t.nullable(t.time),
  SaveSent: t.bool,
  // Postwire extensions (docs/api.md), after mox's fields.
  /** Up to 256 characters: a repeat within 24 h returns the first answer and queues nothing. */
  IdempotencyKey: t.string,
  /** Up to 256 characters; SendLookup finds the latest send with it. */
  UniqueID: t.string,
  /** Names from the account's configured categories: opt-outs and one-click unsubscribe apply. */
  Categories: t.list(t.string),
});
export type SendRequest = Infer<typeof sendRequestT>;

/** mox `webapi.Submission`: one queued recipient. */
export const submissionT = t.struct("Submission", { Address: t.string, QueueMsgID: t.int, FromID: t.string });

/** mox `webapi.SendResult`. */
export const sendResultT = t.struct("SendResult", { MessageID: t.string, Submissions: t.list(submissionT) });
export type SendResult = Infer<typeof sendResultT>;

/** mox `webapi.Suppression`. */
export const suppressionT = t.struct("Suppression", {
  ID: t.int,
  Created: t.time,
  Account: t.string,
  BaseAddress: t.string,
  OriginalAddress: t.string,
  Manual: t.bool,
  Reason: t.string,
});
export type Suppression = Infer<typeof suppressionT>;

/** MIME structure of a message (mox `webhook.Structure`, the events module's type). */
export type { Structure };

/** Descriptor of {@link Structure} (recursive through `Parts`). */
export const structureT: StructType<Structure> = t.struct("Structure", () => ({
  ContentType: t.string,
  ContentTypeParams: t.map(t.string),
  ContentID: t.string,
  ContentDisposition: t.string,
  Filename: t.string,
  DecodedSize: t.int,
  Parts: t.list(structureT),
}));

/** mox `webapi.MessageMeta`, keys in mox's order (docs/contract.md §1.5). */
export const messageMetaT = t.struct("MessageMeta", {
  Size: t.int,
  DSN: t.bool,
  Flags: t.list(t.string),
  MailFrom: t.string,
  MailFromValidated: t.bool,
  RcptTo: t.string,
  MsgFrom: t.string,
  MsgFromValidated: t.bool,
  DKIMVerifiedDomains: t.list(t.string),
  RemoteIP: t.string,
  MailboxName: t.string,
});
export type MessageMeta = Infer<typeof messageMetaT>;

/** mox `webapi.MessageGetResult`. */
export const messageGetResultT = t.struct("MessageGetResult", { Message: messageT, Structure: structureT, Meta: messageMetaT });

/** A request holding only a message id (MessageGet, MessageRawGet, MessageDelete). */
export const msgIdRequest = (name: string) => t.struct(name, { MsgID: t.int });

/** A result without fields: `{}`. */
export const emptyResult = (name: string) => t.struct(name, {});
