// Sent mail in the web interface (headless Chromium, real localserve process): a message sent
// through the webapi shows its delivery timeline and its outgoing webhook; Redeliver makes the
// receiver get the event again, signed; the webhook log filters and sends a test event.
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { startReceiver, type Receiver } from "../../src/webhooks/test-receiver.js";
import { startLocalserveProc, type ServerProc } from "../helpers/proc.js";

const chromiumPath = "/usr/bin/chromium";
const shots = new URL("../../test-output/ui/", import.meta.url).pathname;
const secret = "whsec_" + Buffer.from("ui-outgoing-test-secret-32-bytes!").toString("base64");

describe("ui: sent mail timeline and webhooks in a browser (localserve)", { skip: !existsSync(chromiumPath) && "chromium not installed" }, () => {
  let p: ServerProc;
  let rx: Receiver;
  let browser: Browser;
  let base: string;

  before(async () => {
    mkdirSync(shots, { recursive: true });
    rx = await startReceiver();
    p = await startLocalserveProc({ args: ["--outgoing-webhook", rx.url("/out"), "--incoming-webhook", rx.url("/in"), "--webhook-secret", secret] });
    base = `http://localhost:${p.ports.http}`;
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    });
  });
  after(async () => {
    await browser?.close();
    await p?.cleanup();
    await rx?.close();
  });

  const delivered = () =>
    rx.requests.filter((r) => r.path === "/out").map((r) => ({ r, j: JSON.parse(r.body.toString()) as { Event: string; Subject?: string } })).filter((x) => x.j.Event === "delivered");
  async function until(check: () => boolean, what: string): Promise<void> {
    for (const end = Date.now() + 60_000; !check(); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    }
  }

  it("follows a sent message's timeline and redelivers its webhook", async () => {
    const send = await fetch(`${base}/webapi/v0/Send`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from("mox@localhost:moxmoxmox").toString("base64")}` },
      body: new URLSearchParams({ request: JSON.stringify({ To: [{ Address: "friend@example.org" }], Subject: "timeline test", Text: "hi" }) }),
    });
    assert.equal(send.status, 200, await send.text());
    await until(() => delivered().length === 1, "the delivered webhook");

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${base}/ui/outgoing`);
    await page.locator("a", { hasText: "friend@example.org" }).click();
    await page.waitForURL(/\/ui\/outgoing\/\d+$/);
    assert.equal(await page.locator("#state").innerText(), "delivered");
    const timeline = await page.locator("#timeline").innerText();
    assert.match(timeline, /Queued/);
    assert.match(timeline, /Attempt 1 .* to 127\.0\.0\.1/);
    assert.match(timeline, /delivered 250 2\.6\.0/);
    const row = page.locator("tr[data-webhook]", { hasText: "outgoing delivered" });
    // The webhook row turns delivered once its attempt is recorded.
    for (let i = 0; !/\bdelivered\b.*\bok 200\b/s.test(await row.innerText()); i++) {
      assert.ok(i < 200, "webhook attempt recorded");
      await page.reload();
    }
    await page.screenshot({ path: `${shots}outgoing-1280.png`, animations: "disabled" });

    await Promise.all([page.waitForURL(/\/ui\/webhooks\/\d+$/), row.locator("button", { hasText: "Redeliver" }).click()]);
    await until(() => delivered().length === 2, "the redelivered webhook");
    const [first, again] = delivered();
    assert.equal(again!.j.Subject, "timeline test");
    assert.deepEqual(JSON.parse(again!.r.body.toString()), JSON.parse(first!.r.body.toString()), "the same event body");
    new Webhook(secret).verify(again!.r.body.toString(), again!.r.headers as Record<string, string>);
    await page.close();
  });

  it("retries and cancels a message that is still queued", async () => {
    const send = await fetch(`${base}/webapi/v0/Send`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from("mox@localhost:moxmoxmox").toString("base64")}` },
      body: new URLSearchParams({ request: JSON.stringify({ To: [{ Address: "later-temperror@example.org" }], Subject: "stuck", Text: "hi" }) }),
    });
    assert.equal(send.status, 200, await send.text());
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${base}/ui/outgoing`);
    await page.locator("a", { hasText: "later-temperror@example.org" }).click();
    await page.waitForURL(/\/ui\/outgoing\/\d+$/);
    // The first attempt fails temporarily (localserve's temperror recipients): delayed.
    for (let i = 0; (await page.locator("#state").innerText()) !== "delayed"; i++) {
      assert.ok(i < 300, "first attempt recorded");
      await page.waitForTimeout(100);
      await page.reload();
    }
    assert.match(await page.locator("#timeline").innerText(), /Attempt 1 .*failed 4\d\d/);
    assert.match(await page.locator("#timeline").innerText(), /Next attempt/);
    await Promise.all([page.waitForURL(/\/ui\/outgoing\/\d+$/), page.locator("button", { hasText: "Retry now" }).click()]);
    for (let i = 0; !/Attempt 2/.test(await page.locator("#timeline").innerText()); i++) {
      assert.ok(i < 300, "second attempt made at once");
      await page.waitForTimeout(100);
      await page.reload();
    }
    await Promise.all([page.waitForURL(/\/ui\/outgoing\/\d+$/), page.locator("button", { hasText: "Cancel delivery" }).click()]);
    assert.equal(await page.locator("#state").innerText(), "canceled");
    assert.equal(await page.locator("button", { hasText: "Cancel delivery" }).count(), 0);
    await page.close();
  });

  it("filters the webhook log and sends a test event", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${base}/ui/webhooks?event=delivered`);
    assert.ok((await page.locator("tr[data-webhook]").count()) >= 2);
    assert.equal(await page.locator("tr[data-webhook]", { hasText: "incoming" }).count(), 0);
    const before = rx.requests.filter((r) => r.path === "/in").length;
    await Promise.all([page.waitForURL(/\/ui\/webhooks\/test$/), page.locator("#send-test").click()]);
    assert.match(await page.locator("#test-result").innerText(), /Test incoming event to .*\/in: delivered, HTTP 200/);
    await until(() => rx.requests.filter((r) => r.path === "/in").length === before + 1, "the test event");
    await page.close();
  });
});
