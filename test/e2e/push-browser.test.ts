// The push flow in headless Chromium, as a user's app would run it: the app's own tiny web
// server (another origin than Postwire's) registers the user as a push recipient through the
// webapi (basic auth stays on the server) and serves a page holding the absolute ConnectionURI;
// the page opens it and receives pushes within milliseconds, and the push then reads DELIVERED.
// The same token from another origin is refused; cancelled and expired pushes never arrive.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { eventually, ok } from "./push-harness.js";

const chromiumPath = "/usr/bin/chromium";

type PageState = { got: string[]; closeCode: number | null; opened: boolean };

describe("push: browser page on another origin (headless Chromium)", { skip: !existsSync(chromiumPath) && "chromium not installed" }, () => {
  let app: TestApp;
  let port: number;
  let browser: Browser;
  let site: Server;
  let sitePort: number;
  const tokens = new Map<string, string>();

  before(async () => {
    app = await startTestApp();
    port = app.ports.http!;
    // The app's server: /page?user=<id> registers the user for the page's own origin and serves
    // the page with the ConnectionURI; /page?uri=<...> serves a page that opens a given URI.
    site = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      void (async () => {
        let uri = url.searchParams.get("uri");
        if (!uri) {
          const user = url.searchParams.get("user")!;
          const r = await ok(port, "PushRecipientRegister", { Recipient: user, Origin: `http://${req.headers.host}` });
          uri = r.ConnectionURI as string;
          tokens.set(user, uri);
        }
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(`<!doctype html><meta charset="utf-8"><body data-push="${uri.replace(/"/g, "&quot;")}"><script>
window.got = []; window.closeCode = null; window.opened = false;
const ws = new WebSocket(document.body.dataset.push);
ws.onopen = () => (window.opened = true);
ws.onmessage = (e) => { window.got.push(e.data); if (window.__frame) window.__frame(e.data); };
ws.onclose = (e) => (window.closeCode = e.code);
</script>`);
      })().catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
    await new Promise<void>((r) => site.listen(0, "127.0.0.1", r));
    sitePort = (site.address() as AddressInfo).port;
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    });
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => site?.close(r));
    await app?.cleanup();
  });

  const state = (p: Page) =>
    p.evaluate(() => {
      const w = globalThis as unknown as PageState;
      return { got: w.got, closeCode: w.closeCode, opened: w.opened };
    }).then((s) => ({ got: s.got.map((d) => JSON.parse(d) as Record<string, any>), closeCode: s.closeCode, opened: s.opened })); // eslint-disable-line @typescript-eslint/no-explicit-any

  it("receives pushes within milliseconds on a page of another origin; they read DELIVERED", async () => {
    const page = await browser.newPage();
    const arrived: { at: number; data: string }[] = [];
    await page.exposeFunction("__frame", (data: string) => void arrived.push({ at: performance.now(), data }));
    await page.goto(`http://localhost:${sitePort}/page?user=alice-web`);
    assert.match(tokens.get("alice-web")!, new RegExp(`^ws://127\\.0\\.0\\.1:${port}/`), "absolute, on Postwire's own address");
    await page.waitForFunction(() => (globalThis as unknown as PageState).got.length >= 1);
    const latencies: number[] = [];
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) {
      const sent = performance.now();
      const before = arrived.length;
      ids.push((await ok(port, "PushMessage", { Recipients: ["alice-web"], Message: { n: i, text: "grüße" } })).Pushes[0].PushID);
      while (arrived.length === before) await new Promise((r) => setImmediate(r));
      latencies.push(arrived.at(-1)!.at - sent);
    }
    const s = await state(page);
    assert.equal(s.got[0]!.msg, "Listening");
    assert.deepEqual(s.got.slice(1).map((f) => [f.Kind, f.Payload.PushID, f.Payload.Message.n]), ids.map((id, i) => ["push", id, i]));
    latencies.sort((a, b) => a - b);
    console.log(`# browser PushMessage call-to-frame ms: p50 ${latencies[5]!.toFixed(1)} max ${latencies.at(-1)!.toFixed(1)}`);
    const delivered = await eventually(async () => {
      const l = (await ok(port, "PushMessageList", { Recipient: "alice-web", State: "DELIVERED" })).Messages as unknown[];
      return l.length === 10 ? l : null;
    }, "10 DELIVERED");
    assert.equal(delivered.length, 10);
    await page.close();
  });

  it("gets a global push made before its user registered, and not a cancelled or an expired push", async () => {
    await ok(port, "PushRecipientRegister", { Recipient: "bob-web", Origin: `http://localhost:${sitePort}` });
    const { GlobalID } = await ok(port, "PushGlobalMessage", { Message: "hello everyone" });
    const cancelled = (await ok(port, "PushMessage", { Recipients: ["bob-web"], Message: "cancelled" })).Pushes[0].PushID;
    await ok(port, "PushMessageCancel", { PushID: cancelled });
    await ok(port, "PushMessage", { Recipients: ["bob-web"], Message: "expired", ExpiresAt: new Date(Date.now() + 1000).toISOString() });
    await eventually(async () => ((await ok(port, "PushMessageList", { Recipient: "bob-web", State: "EXPIRED" })).Messages as unknown[]).length === 1, "EXPIRED");
    const page = await browser.newPage();
    await page.goto(`http://localhost:${sitePort}/page?user=bob-web`);
    await page.waitForFunction(() => (globalThis as unknown as PageState).got.length >= 2);
    const marker = (await ok(port, "PushMessage", { Recipients: ["bob-web"], Message: "marker" })).Pushes[0].PushID;
    await page.waitForFunction(() => (globalThis as unknown as PageState).got.length >= 3);
    const s = await state(page);
    assert.deepEqual(s.got.slice(1).map((f) => f.Payload.GlobalID ?? f.Payload.PushID), [GlobalID, marker]);
    await page.close();
  });

  it("refuses the token on a page of another origin", async () => {
    const uri = tokens.get("alice-web")!; // minted for http://localhost:<sitePort>
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${sitePort}/page?uri=${encodeURIComponent(uri)}`);
    await page.waitForFunction(() => (globalThis as unknown as PageState).closeCode !== null);
    const s = await state(page);
    assert.deepEqual({ opened: s.opened, got: s.got.length }, { opened: false, got: 0 });
    await page.close();
  });
});
