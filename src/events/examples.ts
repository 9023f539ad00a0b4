/**
 * The sample payloads of `mox example` (docs/contract.md §2.10), used by WebhookTest and by docs.
 * Each call returns fresh objects, so callers may change them.
 */
import { encodeGoJson } from "./go-json.js";
import { incomingToGo, outgoingToGo, type Incoming, type Outgoing } from "./payload.js";

/** Names listed by `mox example`, in its order. */
export const EXAMPLE_NAMES = [
  "webhook-outgoing-delivered",
  "webhook-outgoing-dsn-failed",
  "webhook-incoming-basic",
] as const;

/** One of {@link EXAMPLE_NAMES}. */
export type ExampleName = (typeof EXAMPLE_NAMES)[number];

/** A sample payload with its kind, so it can be serialized with the right function. */
export type ExamplePayload =
  | { readonly kind: "outgoing"; readonly payload: Outgoing }
  | { readonly kind: "incoming"; readonly payload: Incoming };

// mox examples.go: exampleTime = 2024-03-27T00:00:00Z; FromID = base64url("0123456789abcdef").
const EXAMPLE_TIME_MS = Date.UTC(2024, 2, 27);
const FROM_ID = Buffer.from("0123456789abcdef").toString("base64url");
const MESSAGE_ID = "<QnxzgulZK51utga6agH_rg@mox.example>";

function outgoingDelivered(): Outgoing {
  return {
    Version: 0,
    Event: "delivered",
    DSN: false,
    Suppressing: false,
    QueueMsgID: 101,
    FromID: FROM_ID,
    MessageID: MESSAGE_ID,
    Subject: "subject of original message",
    WebhookQueued: new Date(EXAMPLE_TIME_MS),
    SMTPCode: 250,
    SMTPEnhancedCode: "",
    Error: "",
    Extra: {},
  };
}

function outgoingDsnFailed(): Outgoing {
  return {
    ...outgoingDelivered(),
    Event: "failed",
    DSN: true,
    Suppressing: true,
    QueueMsgID: 102,
    SMTPCode: 554,
    SMTPEnhancedCode: "5.4.0",
    Error: "timeout connecting to host",
    Extra: { userid: "456" },
  };
}

function incomingBasic(): Incoming {
  const text = "hello world \u263a\n";
  return {
    Version: 0,
    From: [{ Name: "", Address: "mox@localhost" }],
    To: [{ Name: "", Address: "mjl@localhost" }],
    CC: [],
    BCC: [],
    ReplyTo: [],
    Subject: "hi",
    MessageID: MESSAGE_ID,
    InReplyTo: "",
    References: [],
    Date: new Date(EXAMPLE_TIME_MS),
    Text: text,
    HTML: "",
    Structure: {
      ContentType: "text/plain",
      ContentTypeParams: { charset: "utf-8" },
      ContentID: "",
      ContentDisposition: "",
      Filename: "",
      // Counted with CRLF line ends, as stored: 17 bytes.
      DecodedSize: Buffer.byteLength(text.replace(/\n/g, "\r\n")),
      Parts: [],
    },
    Meta: {
      MsgID: 201,
      MailFrom: "mox@localhost",
      MailFromValidated: false,
      MsgFromValidated: true,
      RcptTo: "mjl@localhost",
      DKIMVerifiedDomains: ["localhost"],
      RemoteIP: "127.0.0.1",
      Received: new Date(EXAMPLE_TIME_MS + 3000),
      MailboxName: "Inbox",
      Automated: false,
    },
  };
}

/** Returns a fresh copy of the named `mox example` payload. */
export function examplePayload(name: ExampleName): ExamplePayload {
  switch (name) {
    case "webhook-outgoing-delivered":
      return { kind: "outgoing", payload: outgoingDelivered() };
    case "webhook-outgoing-dsn-failed":
      return { kind: "outgoing", payload: outgoingDsnFailed() };
    case "webhook-incoming-basic":
      return { kind: "incoming", payload: incomingBasic() };
  }
}

/** Default example per hook kind, for WebhookTest when no example name is given. */
export function defaultExampleName(kind: "incoming" | "outgoing"): ExampleName {
  return kind === "incoming" ? "webhook-incoming-basic" : "webhook-outgoing-delivered";
}

/**
 * The named example as a webhook body, byte for byte what mox would POST for it (compact
 * `json.Marshal`, HTML-escaped).
 */
export function exampleBody(name: ExampleName): string {
  const ex = examplePayload(name);
  return encodeGoJson(ex.kind === "outgoing" ? outgoingToGo(ex.payload) : incomingToGo(ex.payload));
}

const EXAMPLE_INTROS: Record<ExampleName, string> = {
  "webhook-outgoing-delivered": "Example webhook HTTP POST JSON body for successful outgoing delivery:",
  "webhook-outgoing-dsn-failed":
    "Example webhook HTTP POST JSON body for failed delivery based on incoming DSN\n" +
    "message, with custom extra data fields (from original submission), and adding address to the suppression list:",
  "webhook-incoming-basic": "Example JSON body for webhooks for incoming delivery of basic message:",
};

/**
 * The text `mox example <name>` prints: an intro line, then the payload encoded with
 * `SetIndent("\t", "\t")` and HTML escaping off, ending in a newline.
 */
export function exampleText(name: ExampleName): string {
  const ex = examplePayload(name);
  const value = ex.kind === "outgoing" ? outgoingToGo(ex.payload) : incomingToGo(ex.payload);
  const json = encodeGoJson(value, { prefix: "\t", indent: "\t", escapeHTML: false });
  return `${EXAMPLE_INTROS[name]}\n\n\t${json}\n`;
}
