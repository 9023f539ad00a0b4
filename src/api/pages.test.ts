// The form pages (docs/contract.md §5): example JSON built from the types like mox's FillExample,
// the index, and the pages working in a real browser (Debian's chromium via playwright-core).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { apiMethods } from "./app.js";
import { exampleJson } from "./example.js";
import { listen, pw0, startApiEnv, type ApiEnv } from "./test-env.js";

const chromiumPath = "/usr/bin/chromium";

describe("webapi form pages", () => {
  let env: ApiEnv;
  before(async () => (env = await startApiEnv()));
  after(async () => env.close());

  it("builds example JSON from the types as mox does", () => {
    const reg = apiMethods(env.deps);
    const ex = (name: string, what: "request" | "response") => {
      const m = reg.get(name)!;
      return JSON.parse(exampleJson(what === "request" ? m.request : m.response!));
    };
    const file = { Name: "", ContentType: "", ContentID: "", Data: "" };
    const na = [{ Name: "", Address: "" }];
    assert.deepEqual(ex("Send", "request"), {
      From: na, To: na, CC: na, BCC: na, ReplyTo: na,
      MessageID: "", References: [""], Date: "0001-01-01T00:00:00Z", Subject: "", Text: "", HTML: "",
      Extra: { example: "" }, Headers: [["", ""]],
      AlternativeFiles: [file], InlineFiles: [file], AttachedFiles: [file],
      RequireTLS: false, FutureRelease: "0001-01-01T00:00:00Z", SaveSent: false, IdempotencyKey: "", UniqueID: "", Categories: [""],
    });
    assert.deepEqual(ex("Send", "response"), { MessageID: "", Submissions: [{ Address: "", QueueMsgID: 0, FromID: "" }] });
    assert.deepEqual(ex("MessagePartGet", "request"), { MsgID: 0, PartPath: [0] });
    assert.deepEqual(ex("SuppressionList", "request"), {});
    const get = ex("MessageGet", "response");
    assert.deepEqual(get.Structure.Parts, [
      { ContentType: "", ContentTypeParams: null, ContentID: "", ContentDisposition: "", Filename: "", DecodedSize: 0, Parts: null },
    ]);
    assert.deepEqual(get.Structure.ContentTypeParams, { example: "" });
    assert.deepEqual(get.Meta.Flags, [""]);
    // Tab-indented, no HTML escaping, trailing newline.
    assert.equal(exampleJson(reg.get("SuppressionPresent")!.request), '{\n\t"EmailAddress": ""\n}\n');
  });

  it("lists mox's 12 methods alphabetically, then the extensions", async () => {
    const r = await env.fetch("/webapi/v0/");
    const html = await r.text();
    assert.match(html, /<title>Webapi · Postwire<\/title>/);
    assert.match(html, /<meta name="robots" content="noindex,nofollow">/);
    assert.match(html, /<h1>Webapi<\/h1>/);
    assert.match(html, /docs\/api\.md/);
    assert.doesNotMatch(html, /Mox</);
    const links = [...html.matchAll(/<li><a href="([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual(links, [
      "MessageDelete", "MessageFlagsAdd", "MessageFlagsRemove", "MessageGet", "MessageMove", "MessagePartGet", "MessageRawGet",
      "Send", "SuppressionAdd", "SuppressionList", "SuppressionPresent", "SuppressionRemove",
      "ApiKeyCreate", "ApiKeyList", "ApiKeyRevoke", "MessageList", "MessageSearch", "MessageWait", "PreferencesGet", "PreferencesSet", "QueueCancel", "QueueGet", "QueueList", "QueueRetryNow", "SendLookup",
    ]);
  });

  it("renders a method page with the request form and example response", async () => {
    const html = await (await env.fetch("/webapi/v0/Send")).text();
    assert.match(html, /<title>Send · Webapi · Postwire<\/title>/);
    assert.match(html, /<h1>Send<\/h1>/);
    assert.match(html, /<a href="\.\/">Webapi<\/a>/);
    assert.match(html, /<form id="webapicall" method="post">/);
    assert.match(html, /<textarea id="webapirequest" name="request" required rows="18">\{\n\t&#34;From&#34;: \[/);
    assert.match(html, /<textarea id="webapiresponse" rows="18" readonly>/);
    const raw = await (await env.fetch("/webapi/v0/MessageRawGet")).text();
    assert.match(raw, /answers with bytes, not JSON/);
    assert.doesNotMatch(raw, /id="webapiresponse"/);
  });

  it("works in a real browser: Call posts through fetch, byte methods post natively", { skip: !existsSync(chromiumPath) && "no chromium" }, async () => {
    const server = await listen(env.app);
    let browser: Browser | null = null;
    try {
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
      });
      const ctx = await browser.newContext({ httpCredentials: { username: "mjl@mox.example", password: pw0 } });
      const page = await ctx.newPage();
      const dialogs: string[] = [];
      page.on("dialog", (d) => void (dialogs.push(d.message()), d.dismiss()));

      await page.goto(`${server.url}/webapi/v0/Send`);
      const request = { To: [{ Name: "", Address: "browser@example.org" }], Subject: "from the form", Text: "hi", SaveSent: true };
      await page.fill("#webapirequest", JSON.stringify(request));
      await page.click("#webapicallbutton");
      await waitForValue(page, "#webapiresponse", "browser@example.org");
      const resp = JSON.parse(await page.inputValue("#webapiresponse"));
      assert.equal(resp.Submissions[0].Address, "browser@example.org");
      assert.match(await page.inputValue("#webapiresponse"), /^\{\n\t"MessageID"/);

      // An error answer is shown too.
      await page.fill("#webapirequest", JSON.stringify({ Text: "hi" }));
      await page.click("#webapicallbutton");
      await waitForValue(page, "#webapiresponse", "noRecipients");

      // Invalid JSON: an alert, nothing posted.
      await page.fill("#webapirequest", "{not json");
      await page.click("#webapicallbutton");
      await page.waitForTimeout(200);
      assert.match(dialogs[0] ?? "", /^Error parsing request/);

      // A byte-returning method: the browser posts the form and shows the raw message.
      const list = await env.post("MessageList", { Mailbox: "Sent" }, { password: pw0 });
      const id = list.json.Messages[0].MsgID as number;
      await page.goto(`${server.url}/webapi/v0/MessageRawGet`);
      await page.fill("#webapirequest", JSON.stringify({ MsgID: id }));
      await Promise.all([page.waitForURL(`${server.url}/webapi/v0/MessageRawGet`), page.click("#webapicallbutton")]);
      await page.waitForLoadState();
      assert.match(await page.content(), /Subject: from the form/);
    } finally {
      await browser?.close();
      await server.close();
    }
  });
});

// Polls a field's value (the page's CSP forbids the eval that waitForFunction with a string uses).
async function waitForValue(page: Page, selector: string, needle: string): Promise<void> {
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await page.waitForTimeout(50)) {
    if ((await page.inputValue(selector)).includes(needle)) return;
  }
  assert.fail(`${selector} never contained ${needle}`);
}
