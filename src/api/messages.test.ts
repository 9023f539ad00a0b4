// mox webapisrv TestServer, message part, on messages stored like the receive path stores them:
// MessageGet/RawGet/PartGet byte-exact, flags, move, delete, and IDOR (another account's ids
// are messageNotFound everywhere, docs/guarantees.md C9). Plus the suppression list scenario.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { basic, pw0, startApiEnv, toRes, type ApiEnv } from "./test-env.js";

const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80]), Buffer.from("\n%%EOF\n")]);

// Bytes as a real client would send them: folded headers, 8-bit UTF-8 and QP text, a base64
// attachment with 76-char lines, and a trailing space kept on a body line.
const raw = [
  "Received: from client.example by mx.mox.example; Tue, 14 Jan 2025 09:30:12 +0100",
  'From: "Jörg" <jorg@example.org>',
  "To: mjl@mox.example,",
  " =?utf-8?q?B=C3=B6b?= <bob@example.net>",
  "Subject: =?utf-8?q?report_=C3=BCber?=",
  "Message-ID: <m1@example.org>",
  "In-Reply-To: <parent@example.org>",
  "References: <root@example.org>",
  "Date: Tue, 14 Jan 2025 09:30:05 +0100",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="b1"',
  "",
  "preamble",
  "--b1",
  "Content-Type: text/plain; charset=utf-8",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "hall=C3=B6 =",
  "world ",
  "--b1",
  'Content-Type: application/pdf; name="r.pdf"',
  "Content-Disposition: attachment; filename=r.pdf",
  "Content-Transfer-Encoding: base64",
  "",
  pdf.toString("base64"),
  "--b1--",
  "",
].join("\r\n");

describe("webapi message methods", () => {
  let env: ApiEnv;
  let id: number;
  let foreign: number;
  before(async () => {
    env = await startApiEnv();
    id = await env.seed(env.mjl, raw);
    foreign = await env.seed(env.other, raw, { rcptTo: "other@other.example" });
  });
  after(async () => env.close());

  const post = (method: string, req: unknown) => env.post(method, req, { password: pw0 });
  const bytes = async (method: string, req: unknown) =>
    env.fetch(`/webapi/v0/${method}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: basic("mjl@mox.example", pw0) },
      body: new URLSearchParams({ request: JSON.stringify(req) }).toString(),
    });

  it("MessageGet returns Message, Structure and Meta in mox's shape", async () => {
    const r = await post("MessageGet", { MsgID: id });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.Message, {
      From: [{ Name: "Jörg", Address: "jorg@example.org" }],
      To: [{ Name: "", Address: "mjl@mox.example" }, { Name: "Böb", Address: "bob@example.net" }],
      CC: [],
      BCC: [],
      ReplyTo: [],
      MessageID: "<m1@example.org>",
      References: ["<parent@example.org>", "<root@example.org>"],
      Date: "2025-01-14T09:30:05+01:00", // the header's zone kept, as mox
      Subject: "report über",
      Text: "hallö world", // QP: soft break joined, trailing space dropped (RFC 2045 §6.7)
      HTML: "",
    });
    assert.equal(r.json.Structure.ContentType, "multipart/mixed");
    assert.deepEqual(r.json.Structure.ContentTypeParams, { boundary: "b1" });
    assert.deepEqual(r.json.Structure.Parts[1], {
      ContentType: "application/pdf",
      ContentTypeParams: { name: "r.pdf" },
      ContentID: "",
      ContentDisposition: "attachment",
      Filename: "r.pdf",
      DecodedSize: pdf.length,
      Parts: [],
    });
    assert.deepEqual(r.json.Meta, {
      Size: Buffer.byteLength(raw),
      DSN: false,
      Flags: [],
      MailFrom: "remote@example.org",
      MailFromValidated: false,
      RcptTo: "mjl@mox.example",
      MsgFrom: "jorg@example.org",
      MsgFromValidated: false,
      DKIMVerifiedDomains: [],
      RemoteIP: "192.0.2.1",
      MailboxName: "Inbox",
    });
  });

  it("MessageRawGet and MessagePartGet return exact bytes", async () => {
    const r = await bytes("MessageRawGet", { MsgID: id });
    assert.equal(r.status, 200);
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(Buffer.from(raw)));
    const part = await bytes("MessagePartGet", { MsgID: id, PartPath: [1] });
    assert.equal(part.headers.get("content-type"), "application/pdf");
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(pdf));
    const text = await bytes("MessagePartGet", { MsgID: id, PartPath: [0] });
    assert.equal(await text.text(), "hallö world");
    const body = await bytes("MessagePartGet", { MsgID: id, PartPath: [] });
    assert.equal(await body.text(), raw.slice(raw.indexOf("\r\n\r\n") + 4));
    for (const path of [[2], [0, 0], [-1]]) {
      const r2 = await toRes(await bytes("MessagePartGet", { MsgID: id, PartPath: path }));
      assert.equal(r2.json.Code, "partNotFound", JSON.stringify(path));
    }
  });

  it("adds and removes flags case-insensitively, in mox's order", async () => {
    assert.equal((await post("MessageFlagsAdd", { MsgID: id, Flags: ["\\answered", "$Forwarded", "custom", "\\Seen", "$Junk"] })).status, 200);
    let m = await post("MessageGet", { MsgID: id });
    assert.deepEqual(m.json.Meta.Flags, ["$forwarded", "$junk", "\\answered", "\\seen", "custom"]);
    assert.equal((await post("MessageFlagsAdd", { MsgID: id, Flags: ["\\Answered", "$forwarded", "CUSTOM"] })).status, 200);
    assert.deepEqual((await post("MessageGet", { MsgID: id })).json.Meta.Flags, m.json.Meta.Flags);
    for (const bad of ["\\custom", "a b", "x(", ""]) {
      assert.equal((await post("MessageFlagsAdd", { MsgID: id, Flags: [bad] })).json.Code, "user", bad);
    }
    assert.equal((await post("MessageFlagsRemove", { MsgID: id, Flags: ["\\Answered", "$forwarded", "custom", "$junk", "\\seen"] })).status, 200);
    assert.equal((await post("MessageFlagsRemove", { MsgID: id, Flags: ["\\Answered", "custom"] })).status, 200);
    m = await post("MessageGet", { MsgID: id });
    assert.deepEqual(m.json.Meta.Flags, []);
    assert.equal((await post("MessageFlagsAdd", { MsgID: id + 999, Flags: ["custom"] })).json.Code, "messageNotFound");
    assert.equal((await post("MessageFlagsRemove", { MsgID: id + 999, Flags: ["custom"] })).json.Code, "messageNotFound");
  });

  it("moves between existing mailboxes only", async () => {
    assert.equal((await post("MessageMove", { MsgID: id, DestMailboxName: "Sent" })).status, 200);
    assert.equal((await post("MessageGet", { MsgID: id })).json.Meta.MailboxName, "Sent");
    assert.equal((await post("MessageMove", { MsgID: id, DestMailboxName: "Inbox" })).status, 200);
    assert.equal((await post("MessageGet", { MsgID: id })).json.Meta.MailboxName, "Inbox");
    assert.equal((await post("MessageMove", { MsgID: id, DestMailboxName: "Inbox" })).json.Code, "user");
    assert.equal((await post("MessageMove", { MsgID: id, DestMailboxName: "Bogus" })).json.Code, "user");
    assert.equal((await post("MessageMove", { MsgID: id + 999, DestMailboxName: "Inbox" })).json.Code, "messageNotFound");
    // mox matches mailbox names exactly: lower-case "inbox" is not the Inbox.
    const lower = await post("MessageMove", { MsgID: id, DestMailboxName: "inbox" });
    assert.equal(lower.status, 400);
    assert.equal(lower.json.Code, "user");
  });

  it("has mox's standard mailboxes and its flag side effects on MessageMove", async () => {
    const flags = async () => (await post("MessageGet", { MsgID: id })).json.Meta.Flags as string[];
    const move = async (to: string) => assert.equal((await post("MessageMove", { MsgID: id, DestMailboxName: to })).status, 200, to);
    // Archive and Drafts exist for every account, as in mox.
    await move("Drafts");
    assert.deepEqual(await flags(), []);
    // Into Archive, Trash or Junk: \seen.
    await move("Archive");
    assert.deepEqual(await flags(), ["\\seen"]);
    await post("MessageFlagsRemove", { MsgID: id, Flags: ["\\seen"] });
    await move("Trash");
    assert.deepEqual(await flags(), ["\\seen"]);
    await post("MessageFlagsAdd", { MsgID: id, Flags: ["$notjunk"] });
    // Into Junk: $junk, and $notjunk goes.
    await move("Junk");
    assert.deepEqual(await flags(), ["$junk", "\\seen"]);
    // Out of Junk: $notjunk, and $junk goes.
    await move("Inbox");
    assert.deepEqual(await flags(), ["$notjunk", "\\seen"]);
    // Between other mailboxes nothing changes.
    await move("Sent");
    assert.deepEqual(await flags(), ["$notjunk", "\\seen"]);
    await post("MessageFlagsRemove", { MsgID: id, Flags: ["$notjunk", "\\seen"] });
    await move("Inbox");
  });

  it("answers messageNotFound for another account's message ids and changes nothing", async () => {
    const calls: [string, unknown][] = [
      ["MessageGet", { MsgID: foreign }],
      ["MessageRawGet", { MsgID: foreign }],
      ["MessagePartGet", { MsgID: foreign, PartPath: [1] }],
      ["MessageFlagsAdd", { MsgID: foreign, Flags: ["x"] }],
      ["MessageFlagsRemove", { MsgID: foreign, Flags: ["x"] }],
      ["MessageMove", { MsgID: foreign, DestMailboxName: "Sent" }],
      ["MessageDelete", { MsgID: foreign }],
    ];
    const unknown = await toRes(await bytes("MessageGet", { MsgID: 987654321 }));
    for (const [method, req] of calls) {
      const r = await toRes(await bytes(method, req));
      assert.equal(r.status, 400, method);
      assert.equal(r.json.Code, "messageNotFound", method);
      assert.equal(r.json.Message, unknown.json.Message, `${method}: same answer as an unknown id`);
    }
    const theirs = await env.post("MessageGet", { MsgID: foreign }, { user: "other@other.example", password: "otherpw" });
    assert.equal(theirs.status, 200);
    assert.deepEqual(theirs.json.Meta.Flags, []);
    assert.equal(theirs.json.Meta.MailboxName, "Inbox");
  });

  it("deletes permanently: a second delete is user, reads are messageNotFound", async () => {
    const victim = await env.seed(env.mjl, raw);
    assert.equal((await post("MessageDelete", { MsgID: victim })).status, 200);
    assert.equal((await post("MessageDelete", { MsgID: victim })).json.Code, "user");
    assert.equal((await post("MessageFlagsAdd", { MsgID: victim, Flags: ["x"] })).json.Code, "user");
    assert.equal((await post("MessageMove", { MsgID: victim, DestMailboxName: "Sent" })).json.Code, "user");
    assert.equal((await post("MessageGet", { MsgID: victim })).json.Code, "messageNotFound");
    assert.equal((await toRes(await bytes("MessageRawGet", { MsgID: victim }))).json.Code, "messageNotFound");
    assert.equal((await toRes(await bytes("MessagePartGet", { MsgID: victim, PartPath: [] }))).json.Code, "messageNotFound");
    assert.equal((await post("MessageDelete", { MsgID: victim + 999 })).json.Code, "messageNotFound");
  });

  it("keeps the suppression list per account with mox's base-address rules", async () => {
    const p = (method: string, req: unknown) => post(method, req);
    assert.deepEqual((await p("SuppressionList", {})).json, { Suppressions: [] });
    const add = { EmailAddress: "Remote.Last-catchall@xn--74h.localhost", Manual: true, Reason: "tests" };
    assert.equal((await p("SuppressionAdd", add)).text, "{}\n");
    assert.equal((await p("SuppressionAdd", add)).json.Code, "error");
    assert.equal((await p("SuppressionAdd", { EmailAddress: "remotelast@☺.localhost", Manual: false, Reason: "tests" })).json.Code, "error");
    assert.equal((await p("SuppressionAdd", { EmailAddress: "not an address" })).json.Code, "badAddress");
    const list = await p("SuppressionList", {});
    assert.equal(list.json.Suppressions.length, 1);
    const s = list.json.Suppressions[0];
    assert.deepEqual(Object.keys(s), ["ID", "Created", "Account", "BaseAddress", "OriginalAddress", "Manual", "Reason"]);
    assert.deepEqual({ ...s, ID: 0, Created: "" }, {
      ID: 0,
      Created: "",
      Account: "mjl",
      BaseAddress: "remotelast@☺.localhost",
      OriginalAddress: "Remote.Last-catchall@☺.localhost",
      Manual: true,
      Reason: "tests",
    });
    assert.match(s.Created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    for (const [addr, present] of [["not@localhost", false], ["remotelast@xn--74h.localhost", true], ["Remote.Last-catchall@☺.localhost", true]] as const) {
      assert.equal((await p("SuppressionPresent", { EmailAddress: addr })).json.Present, present, addr);
    }
    assert.equal((await p("SuppressionPresent", { EmailAddress: "not an address" })).json.Code, "badAddress");
    // Another account does not see it.
    const theirs = await env.post("SuppressionPresent", { EmailAddress: "remotelast@☺.localhost" }, { user: "other@other.example", password: "otherpw" });
    assert.equal(theirs.json.Present, false);
    assert.equal((await p("SuppressionRemove", { EmailAddress: "remote.LAST+more@☺.LocalHost" })).status, 200);
    assert.equal((await p("SuppressionRemove", { EmailAddress: "remote.LAST+more@☺.LocalHost" })).json.Code, "error");
    assert.equal((await p("SuppressionRemove", { EmailAddress: "not an address" })).json.Code, "badAddress");
    assert.equal((await p("SuppressionList", {})).text, '{"Suppressions":[]}\n');
    // A quoted localpart is listed quoted, as mox writes it, and found by any variant.
    assert.equal((await p("SuppressionAdd", { EmailAddress: '"A b+x"@example.org', Manual: true, Reason: "q" })).status, 200);
    const quoted = (await p("SuppressionList", {})).json.Suppressions[0];
    assert.deepEqual([quoted.BaseAddress, quoted.OriginalAddress], ['"a b"@example.org', '"A b+x"@example.org']);
    assert.equal((await p("SuppressionPresent", { EmailAddress: '"a b"@example.org' })).json.Present, true);
    assert.equal((await p("SuppressionRemove", { EmailAddress: '"A B"@example.org' })).status, 200);
  });
});
