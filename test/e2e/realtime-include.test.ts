// The event stream as a Mailsac-style consumer uses it on a catch-all setup: a real SMTP client
// (nodemailer) sends to `user+tag@` a domain no account configures (caught by a catch-all, as in
// localserve); a subscriber filtering on `user@` gets the frame (plus-tag variants match), and
// with `include=raw,headers` the frame also carries the raw message (base64) and its header list,
// while a subscriber without `include` gets the frame unchanged. A bad `include` is refused.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import nodemailer from "nodemailer";
import { getAccountByName } from "../../src/store/index.js";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { open } from "./push-harness.js";

describe("realtime: include=raw/headers and plus-tags on a catch-all domain", () => {
  let app: TestApp;
  let aliceId = 0;
  const auth = `alice%40example.test:${encodeURIComponent(testPassword)}`;
  before(async () => {
    app = await startTestApp({
      overrides: { resolveRecipient: () => async (address) => ({ accountId: aliceId, address: "alice@example.test", rcptTo: address.toLowerCase() }) },
    });
    aliceId = (await getAccountByName(app.database.db, "alice"))!.id;
  });
  after(async () => app?.cleanup());

  const url = (q: string) => `ws://${auth}@127.0.0.1:${app.ports.http}/webapi/v0/events?${q}`;

  it("matches user+tag@ for user@ and adds Raw and Headers to incoming frames of include subscribers", async () => {
    const full = open(url("addresses=user@catchall.test&include=raw,headers"), null);
    const plain = open(url("addresses=user@catchall.test"), null);
    const other = open(url("addresses=someone@catchall.test"), null);
    for (const c of [full, plain, other]) await c.until((x) => x.frames.length >= 1, "Listening");
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: app.ports.smtp!, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({ from: "Zoë <zoe@sender.test>", to: "user+tag@catchall.test", subject: "include ☺", text: "the body\n" });
    assert.match(info.response, /^250 /);
    for (const c of [full, plain]) await c.until((x) => x.frames.length >= 2, "the incoming frame");
    const f = full.frames[1]!;
    const p = plain.frames[1]!;
    assert.equal(f.Event, "incoming");
    assert.deepEqual(f.Payload, p.Payload, "the payload is the same");
    assert.deepEqual(Object.keys(p), ["Cursor", "Kind", "Event", "Payload"]);
    assert.deepEqual(Object.keys(f), ["Cursor", "Kind", "Event", "Payload", "Raw", "RawSize", "Headers"]);
    const raw = Buffer.from(f.Raw as string, "base64");
    assert.equal(raw.length, f.RawSize);
    assert.match(raw.toString("utf8"), /\r\n\r\nthe body\r\n/);
    const headers = f.Headers as [string, string][];
    assert.ok(headers.some(([n, v]) => n === "Subject" && v.includes("=?UTF-8?")), JSON.stringify(headers));
    assert.ok(headers.some(([n, v]) => n.toLowerCase() === "to" && v.includes("user+tag@catchall.test")));
    assert.equal(other.frames.length, 1, "another address on that domain does not match");
    transport.close();
  });

  it("refuses an unknown include with an error frame and close 1008", async () => {
    const c = open(url("include=body"), null);
    assert.equal(await c.closed, 1008);
    assert.equal(c.frames[0]!.status, 400);
    assert.match(c.frames[0]!.msg, /include/);
  });
});
