// MessageSearch: words (prefixes, any field of the document), operators, paging, account
// confinement, deletion removing a message's words, and refusals of malformed operators; the
// same answers on PGlite and PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pw0, startApiEnv, type ApiEnv } from "./test-env.js";

type Opts = { from?: string; to?: string; html?: string; attach?: string; id?: string };
function msg(subject: string, text: string, o: Opts = {}): string {
  const head = [`From: ${o.from ?? "Shop <shop@example.org>"}`, `To: ${o.to ?? "mjl@mox.example"}`, `Subject: ${subject}`, `Message-ID: <${o.id ?? subject.replace(/\W/g, "")}@example.org>`];
  if (!o.html && !o.attach) return [...head, "", text, ""].join("\r\n");
  const text1 = `Content-Type: text/plain\r\n\r\n${text}`;
  const body = o.html ? `Content-Type: multipart/alternative; boundary="a"\r\n\r\n--a\r\n${text1}\r\n--a\r\nContent-Type: text/html\r\n\r\n${o.html}\r\n--a--` : text1;
  const all = o.attach
    ? `Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n${body}\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="${o.attach}"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0x\r\n--b--`
    : body;
  return [...head, "MIME-Version: 1.0", all, ""].join("\r\n");
}

describe("webapi MessageSearch", () => {
  let env: ApiEnv;
  const ids: Record<string, number> = {};
  before(async () => {
    env = await startApiEnv();
    ids.shipped = await env.seed(env.mjl, msg("Your order has shipped", "Tracking number 1Z999", { attach: "invoice-42.pdf" }));
    ids.reset = await env.seed(env.mjl, msg("Password reset", "Click the link", { html: "<p>Use code <b>zebra-7781</b></p>", from: "Auth <auth@login.example>" }));
    ids.welcome = await env.seed(env.mjl, msg("Welcome aboard", "Hello new user", { to: "Kim <kim@customers.example>", id: "welcome-unique-77" }), { mailbox: "junk" });
    ids.other = await env.seed(env.other, msg("Your order has shipped too", "other account"), { rcptTo: "other@other.example" });
  });
  after(async () => env.close());
  const search = (Query: string, extra: Record<string, unknown> = {}) => env.post("MessageSearch", { Query, ...extra }, { password: pw0 });
  const found = async (q: string) => {
    const r = await search(q);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    return (r.json.Messages as { MsgID: number }[]).map((m) => m.MsgID);
  };

  it("finds words by prefix in subject, text, HTML, addresses, attachment names and Message-ID", async () => {
    assert.deepEqual(await found("ship"), [ids.shipped]);
    assert.deepEqual(await found("SHIPPED order"), [ids.shipped]);
    assert.deepEqual(await found("1Z999"), [ids.shipped]);
    assert.deepEqual(await found("zebra"), [ids.reset]);
    assert.deepEqual(await found("auth@login.example"), [ids.reset]);
    assert.deepEqual(await found("invoice"), [ids.shipped]);
    assert.deepEqual(await found("welcome-unique-77@example.org"), [ids.welcome]);
    assert.deepEqual(await found("kim@customers.example"), [ids.welcome]);
    assert.deepEqual(await found("nothing-like-this"), []);
  });

  it("applies the operators", async () => {
    assert.deepEqual(await found("from:login.example"), [ids.reset]);
    assert.deepEqual(await found("from:shop@example"), [ids.welcome, ids.shipped]);
    assert.deepEqual(await found("to:customers"), [ids.welcome]);
    assert.deepEqual(await found('subject:"order has"'), [ids.shipped]);
    assert.deepEqual(await found("has:attachment"), [ids.shipped]);
    assert.deepEqual(await found("mailbox:junk"), [ids.welcome]);
    assert.deepEqual(await found("is:unread from:shop@"), [ids.welcome, ids.shipped]);
    await env.post("MessageFlagsAdd", { MsgID: ids.shipped, Flags: ["\\Seen"] }, { password: pw0 });
    assert.deepEqual(await found("is:unread from:shop@"), [ids.welcome]);
    assert.deepEqual(await found("is:read"), [ids.shipped]);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    assert.deepEqual((await found(`before:${tomorrow}`)).length, 3);
    assert.deepEqual(await found(`after:${tomorrow}`), []);
  });

  it("never returns another account's messages, and pages with the cursor", async () => {
    assert.ok(!(await found("order")).includes(ids.other!));
    const first = await search("", { Limit: 2 });
    assert.equal(first.json.Messages.length, 2);
    const next = await search("", { Limit: 2, Cursor: first.json.NextCursor });
    assert.deepEqual(next.json.Messages.map((m: { MsgID: number }) => m.MsgID), [ids.shipped]);
    assert.equal(next.json.NextCursor, "");
  });

  it("forgets a deleted message's words", async () => {
    const id = await env.seed(env.mjl, msg("Ephemeral quokka", "gone soon"));
    assert.deepEqual(await found("quokka"), [id]);
    assert.equal((await env.post("MessageDelete", { MsgID: id }, { password: pw0 })).status, 200);
    assert.deepEqual(await found("quokka"), []);
    const left = await env.t.database.sql`select count(*)::int as n from message_search where message_id = ${id}`;
    assert.equal(left[0]!.n, 0);
  });

  it("refuses malformed operator values as user errors", async () => {
    for (const q of ["before:yesterday", "has:pictures", "is:flagged", "mailbox:Nope"]) {
      const r = await search(q);
      assert.equal(r.status, 400, q);
      assert.equal(r.json.Code, "user", q);
    }
  });
});
