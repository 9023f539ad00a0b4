import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EXAMPLE_NAMES, exampleBody, examplePayload, exampleText } from "./examples.js";
import { serializeIncoming, serializeOutgoing, type Incoming, type Outgoing } from "./payload.js";

// Expected texts are written out from docs/contract.md §2.1, §2.2 and §2.10 (mox examples.go).
const DELIVERED_BODY =
  '{"Version":0,"Event":"delivered","DSN":false,"Suppressing":false,"QueueMsgID":101,' +
  '"FromID":"MDEyMzQ1Njc4OWFiY2RlZg","MessageID":"\\u003cQnxzgulZK51utga6agH_rg@mox.example\\u003e",' +
  '"Subject":"subject of original message","WebhookQueued":"2024-03-27T00:00:00Z","SMTPCode":250,' +
  '"SMTPEnhancedCode":"","Error":"","Extra":{}}';

const DSN_FAILED_BODY =
  '{"Version":0,"Event":"failed","DSN":true,"Suppressing":true,"QueueMsgID":102,' +
  '"FromID":"MDEyMzQ1Njc4OWFiY2RlZg","MessageID":"\\u003cQnxzgulZK51utga6agH_rg@mox.example\\u003e",' +
  '"Subject":"subject of original message","WebhookQueued":"2024-03-27T00:00:00Z","SMTPCode":554,' +
  '"SMTPEnhancedCode":"5.4.0","Error":"timeout connecting to host","Extra":{"userid":"456"}}';

const INCOMING_BODY =
  '{"Version":0,"From":[{"Name":"","Address":"mox@localhost"}],"To":[{"Name":"","Address":"mjl@localhost"}],' +
  '"CC":[],"BCC":[],"ReplyTo":[],"Subject":"hi","MessageID":"\\u003cQnxzgulZK51utga6agH_rg@mox.example\\u003e",' +
  '"InReplyTo":"","References":[],"Date":"2024-03-27T00:00:00Z","Text":"hello world \u263a\\n","HTML":"",' +
  '"Structure":{"ContentType":"text/plain","ContentTypeParams":{"charset":"utf-8"},"ContentID":"",' +
  '"ContentDisposition":"","Filename":"","DecodedSize":17,"Parts":[]},' +
  '"Meta":{"MsgID":201,"MailFrom":"mox@localhost","MailFromValidated":false,"MsgFromValidated":true,' +
  '"RcptTo":"mjl@localhost","DKIMVerifiedDomains":["localhost"],"RemoteIP":"127.0.0.1",' +
  '"Received":"2024-03-27T00:00:03Z","MailboxName":"Inbox","Automated":false}}';

const DELIVERED_TEXT = `Example webhook HTTP POST JSON body for successful outgoing delivery:

\t{
\t\t"Version": 0,
\t\t"Event": "delivered",
\t\t"DSN": false,
\t\t"Suppressing": false,
\t\t"QueueMsgID": 101,
\t\t"FromID": "MDEyMzQ1Njc4OWFiY2RlZg",
\t\t"MessageID": "<QnxzgulZK51utga6agH_rg@mox.example>",
\t\t"Subject": "subject of original message",
\t\t"WebhookQueued": "2024-03-27T00:00:00Z",
\t\t"SMTPCode": 250,
\t\t"SMTPEnhancedCode": "",
\t\t"Error": "",
\t\t"Extra": {}
\t}
`;

const INCOMING_TEXT_TAIL = `\t\t"Structure": {
\t\t\t"ContentType": "text/plain",
\t\t\t"ContentTypeParams": {
\t\t\t\t"charset": "utf-8"
\t\t\t},
\t\t\t"ContentID": "",
\t\t\t"ContentDisposition": "",
\t\t\t"Filename": "",
\t\t\t"DecodedSize": 17,
\t\t\t"Parts": []
\t\t},
`;

describe("mox example payloads (§2.10)", () => {
  test("outgoing delivered serializes to mox's exact body", () => {
    assert.equal(exampleBody("webhook-outgoing-delivered"), DELIVERED_BODY);
  });

  test("outgoing dsn-failed serializes to mox's exact body", () => {
    assert.equal(exampleBody("webhook-outgoing-dsn-failed"), DSN_FAILED_BODY);
  });

  test("incoming basic serializes to mox's exact body", () => {
    assert.equal(exampleBody("webhook-incoming-basic"), INCOMING_BODY);
  });

  test("exampleText reproduces `mox example` output (tab-indented, no HTML escaping)", () => {
    assert.equal(exampleText("webhook-outgoing-delivered"), DELIVERED_TEXT);
    const incoming = exampleText("webhook-incoming-basic");
    assert.ok(incoming.startsWith("Example JSON body for webhooks for incoming delivery of basic message:\n\n\t{\n"));
    assert.ok(incoming.includes(INCOMING_TEXT_TAIL), incoming);
    assert.ok(incoming.includes('\t\t"CC": [],\n'));
    assert.ok(incoming.endsWith("\t\t\t\"Automated\": false\n\t\t}\n\t}\n"));
    assert.ok(exampleText("webhook-outgoing-dsn-failed").includes('\t\t"Extra": {\n\t\t\t"userid": "456"\n\t\t}\n'));
  });

  test("every example body is valid JSON and each call returns a fresh object", () => {
    for (const name of EXAMPLE_NAMES) assert.doesNotThrow(() => JSON.parse(exampleBody(name)));
    const a = examplePayload("webhook-outgoing-delivered");
    (a.payload as Outgoing).Subject = "changed";
    assert.equal((examplePayload("webhook-outgoing-delivered").payload as Outgoing).Subject, "subject of original message");
  });
});

function baseIncoming(): Incoming {
  const ex = examplePayload("webhook-incoming-basic");
  assert.equal(ex.kind, "incoming");
  return ex.payload as Incoming;
}

describe("serializers", () => {
  test("outgoing keys come out in mox's order", () => {
    const keys = Object.keys(JSON.parse(exampleBody("webhook-outgoing-delivered")) as object);
    assert.deepEqual(keys, [
      "Version", "Event", "DSN", "Suppressing", "QueueMsgID", "FromID", "MessageID", "Subject",
      "WebhookQueued", "SMTPCode", "SMTPEnhancedCode", "Error", "Extra",
    ]);
  });

  test("incoming keys, Structure keys and Meta keys come out in mox's order", () => {
    const v = JSON.parse(exampleBody("webhook-incoming-basic")) as Record<string, object>;
    assert.deepEqual(Object.keys(v), [
      "Version", "From", "To", "CC", "BCC", "ReplyTo", "Subject", "MessageID", "InReplyTo",
      "References", "Date", "Text", "HTML", "Structure", "Meta",
    ]);
    assert.deepEqual(Object.keys(v.Structure!), [
      "ContentType", "ContentTypeParams", "ContentID", "ContentDisposition", "Filename", "DecodedSize", "Parts",
    ]);
    assert.deepEqual(Object.keys(v.Meta!), [
      "MsgID", "MailFrom", "MailFromValidated", "MsgFromValidated", "RcptTo", "DKIMVerifiedDomains",
      "RemoteIP", "Received", "MailboxName", "Automated",
    ]);
  });

  test("lists missing at runtime become [] and maps {}, never null", () => {
    const i = baseIncoming() as unknown as Record<string, unknown>;
    for (const k of ["From", "To", "CC", "BCC", "ReplyTo", "References"]) i[k] = null;
    const s = i.Structure as Record<string, unknown>;
    s.Parts = undefined;
    s.ContentTypeParams = null;
    (i.Meta as Record<string, unknown>).DKIMVerifiedDomains = undefined;
    const out = serializeIncoming(i as unknown as Incoming);
    assert.ok(!out.includes("null"), out);
    assert.ok(out.includes('"From":[],"To":[],"CC":[],"BCC":[],"ReplyTo":[]'));
    assert.ok(out.includes('"References":[]') && out.includes('"Parts":[]') && out.includes('"ContentTypeParams":{}'));
    assert.ok(out.includes('"DKIMVerifiedDomains":[]'));
  });

  test("Date null stays null; Extra null only when set explicitly", () => {
    const i = { ...baseIncoming(), Date: null };
    assert.ok(serializeIncoming(i).includes('"Date":null,'));
    const o = examplePayload("webhook-outgoing-delivered").payload as Outgoing;
    assert.ok(serializeOutgoing({ ...o, Extra: null }).endsWith('"Extra":null}'));
    assert.ok(serializeOutgoing({ ...o, Extra: undefined as unknown as null }).endsWith('"Extra":{}}'));
  });

  test("nested parts keep structure order and map keys sort like Go", () => {
    const leaf = {
      ContentType: "text/plain", ContentTypeParams: { name: "a.txt", charset: "us-ascii" }, ContentID: "<c1>",
      ContentDisposition: "attachment", Filename: "a.txt", DecodedSize: 3, Parts: [],
    };
    const i: Incoming = {
      ...baseIncoming(),
      References: ["<a@x>", "<b@x>"],
      Structure: { ...leaf, ContentType: "multipart/mixed", ContentTypeParams: { boundary: "x" }, ContentID: "", ContentDisposition: "", Filename: "", DecodedSize: 0, Parts: [leaf] },
    };
    const out = serializeIncoming(i, { escapeHTML: false });
    assert.ok(out.includes('"References":["<a@x>","<b@x>"]'));
    assert.ok(out.includes(
      '"Parts":[{"ContentType":"text/plain","ContentTypeParams":{"charset":"us-ascii","name":"a.txt"},' +
      '"ContentID":"<c1>","ContentDisposition":"attachment","Filename":"a.txt","DecodedSize":3,"Parts":[]}]',
    ), out);
  });
});
