// The web interface in headless Chromium against a real localserve process: mail sent over
// SMTP (nodemailer) appears in the open inbox without a reload, hostile HTML is shown without
// its script running or remote loads until asked, reading marks read, delete all empties the
// list. Screenshots of the main screens go to test-output/ui/ (not committed).
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import nodemailer, { type SendMailOptions } from "nodemailer";
import { chromium, type Browser, type Page } from "playwright-core";
import { startLocalserveProc, type ServerProc } from "../helpers/proc.js";

const chromiumPath = "/usr/bin/chromium";

/** The parts of the page's document the waits read (this project compiles without the DOM lib). */
type Doc = { document: { title: string; body: { dataset: Record<string, string | undefined> } } };
const shots = new URL("../../test-output/ui/", import.meta.url).pathname;

describe("ui: inbox and message view in a browser (localserve)", { skip: !existsSync(chromiumPath) && "chromium not installed" }, () => {
  let p: ServerProc;
  let browser: Browser;
  let canary: Server;
  let canaryPort: number;
  const canaryHits: string[] = [];
  let base: string;

  before(async () => {
    mkdirSync(shots, { recursive: true });
    // Records every request a message's HTML makes (scripts, images, styles).
    canary = createServer((req, res) => {
      canaryHits.push(req.url ?? "");
      res.writeHead(200, { "Content-Type": "image/gif" }).end(Buffer.from("R0lGODlhAQABAAAAACw=", "base64"));
    });
    await new Promise<void>((r) => canary.listen(0, "127.0.0.1", r));
    canaryPort = (canary.address() as AddressInfo).port;
    p = await startLocalserveProc();
    base = `http://localhost:${p.ports.http}`;
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    });
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => canary?.close(r));
    await p?.cleanup();
  });

  async function send(subject: string, html: string, extra: Partial<SendMailOptions> = {}): Promise<void> {
    const t = nodemailer.createTransport({ host: "127.0.0.1", port: p.ports.smtp, secure: false, ignoreTLS: true });
    await t.sendMail({ from: "Shop <shop@example.com>", to: "dev@example.org", subject, text: `${subject} as text`, html, ...extra });
    t.close();
  }

  async function openInbox(width: number): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await page.goto(`${base}/`);
    await page.waitForFunction(() => (globalThis as unknown as Doc).document.body.dataset.live === "on");
    return page;
  }

  it("shows mail sent over SMTP live, with the unread count in the title", async () => {
    const page = await openInbox(1280);
    assert.equal(await page.locator("li.msg").count(), 0);
    await send("Your order has shipped", "<p>Tracking: <b>1Z999</b></p>", { attachments: [{ filename: "invoice.pdf", content: Buffer.from("%PDF-1.4 fake") }] });
    const row = page.locator("li.msg", { hasText: "Your order has shipped" });
    await row.waitFor();
    assert.match(await row.innerText(), /Shop/);
    assert.equal(await row.locator(".clip").count(), 1, "attachment mark");
    await page.waitForFunction(() => (globalThis as unknown as Doc).document.title.startsWith("(1) Inbox"));
    await send("Password reset", "<p>Reset it <a href='https://example.com/r'>here</a></p>");
    await page.locator("li.msg", { hasText: "Password reset" }).waitFor();
    await page.waitForFunction(() => (globalThis as unknown as Doc).document.title.startsWith("(2) Inbox"));
    // Newest first.
    assert.match(await page.locator("li.msg").first().innerText(), /Password reset/);
    await page.screenshot({ path: `${shots}inbox-1280.png`, animations: "disabled", clip: { x: 0, y: 0, width: 1280, height: 380 } });
    await page.setViewportSize({ width: 390, height: 800 });
    await page.screenshot({ path: `${shots}inbox-390.png`, animations: "disabled", clip: { x: 0, y: 0, width: 390, height: 520 } });
    await page.setViewportSize({ width: 1280, height: 800 });
    // Search from the box: a word prefix and an operator.
    await page.locator("#q").fill("track has:attachment");
    await Promise.all([page.waitForURL(/[?&]q=/), page.locator("#q").press("Enter")]);
    assert.deepEqual(await page.locator("li.msg .subject").allInnerTexts(), ["Your order has shipped"]);
    await page.locator("#q").fill("from:shop reset");
    await Promise.all([page.waitForURL(/reset/), page.locator("#q").press("Enter")]);
    assert.deepEqual(await page.locator("li.msg .subject").allInnerTexts(), ["Password reset"]);
    await page.locator("#q").fill("before:someday");
    await Promise.all([page.waitForURL(/someday/), page.locator("#q").press("Enter")]);
    assert.match(await page.locator("[role=alert]").innerText(), /before: wants a date/);
    await page.close();
  });

  it("shows hostile HTML in a sandbox: the script does not run, remote loads wait until asked", async () => {
    const remote = `http://127.0.0.1:${canaryPort}`;
    const hostile = `<html><head><style>body { background: url(${remote}/css-bg); }</style></head><body>
<p id="marker">script did not run</p>
<script>document.getElementById("marker").textContent = "script ran"; fetch("${remote}/script");</script>
<img src="${remote}/tracker.gif" alt="tracker">
<form action="${remote}/form" method="post"><input name="pw"><button id="go">go</button></form>
</body></html>`;
    const page = await openInbox(1280);
    await send("Hostile newsletter", hostile);
    const marked = page.waitForResponse((r) => r.url().endsWith("/ui/messages") && r.request().method() === "POST");
    await page.locator("li.msg a", { hasText: "Hostile newsletter" }).click();
    await page.waitForURL(/\/ui\/message\/\d+$/);
    assert.equal((await marked).status(), 204);
    const frame = page.frameLocator("#html-frame");
    assert.equal(await frame.locator("#marker").textContent(), "script did not run");
    // Submitting the form inside the frame is refused by its CSP (form-action 'none').
    await frame.locator("#go").click();
    await page.screenshot({ path: `${shots}message-1280.png`, animations: "disabled" });
    // Reading the message marked it read (the script posted it above).
    await page.goto(`${base}/`);
    assert.equal(await page.locator("li.msg.unread", { hasText: "Hostile newsletter" }).count(), 0);
    assert.deepEqual(canaryHits.filter((h) => h !== "/tracker.gif"), [], "no script, style or form request reached the remote server");
    assert.equal(canaryHits.length, 0, "no remote image before asking");
    await page.locator("li.msg a", { hasText: "Hostile newsletter" }).click();
    await page.locator("#load-images").click();
    await page.frameLocator("#html-frame").locator("img").waitFor();
    await waitFor(() => canaryHits.includes("/tracker.gif"));
    assert.deepEqual(canaryHits.filter((h) => h !== "/tracker.gif" && h !== "/css-bg"), [], "still no script or form request");
    assert.equal(await page.frameLocator("#html-frame").locator("#marker").textContent(), "script did not run");
    await page.close();
  });

  it("deletes all messages after a confirmation", async () => {
    const page = await openInbox(1280);
    assert.ok((await page.locator("li.msg").count()) >= 3);
    await page.locator(".delete-all summary").click();
    page.once("dialog", (d) => void d.dismiss());
    await page.locator("#confirm-delete-all").click();
    assert.ok((await page.locator("li.msg").count()) >= 3, "dismissed: nothing deleted");
    page.once("dialog", (d) => void d.accept());
    await Promise.all([page.waitForURL(/\/\?mailbox=\d+$/), page.locator("#confirm-delete-all").click()]);
    assert.equal(await page.locator("li.msg").count(), 0);
    assert.match(await page.locator("#empty").innerText(), /No messages yet/);
    await page.close();
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
}
