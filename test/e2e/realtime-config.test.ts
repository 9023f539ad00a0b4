// The event stream's connection limits come from the config file (http.events): an account past
// its subscriber cap is refused with 429 while another account still gets in; a slot is free
// again once a subscriber leaves.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { connect } from "./realtime-harness.js";

const basic = (user: string) => "Basic " + Buffer.from(`${user}:${testPassword}`).toString("base64");

describe("realtime: limits from the config file", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ config: { http: { enabled: true, host: "127.0.0.1", port: 0, events: { maxPerAccount: 2 } } } });
  });
  after(async () => app?.cleanup());

  it("refuses an account's subscriber past http.events.maxPerAccount with 429, not other accounts'", async () => {
    const url = `ws://127.0.0.1:${app.ports.http}/webapi/v0/events`;
    const a1 = connect(url, { Authorization: basic("alice@example.test") });
    const a2 = connect(url, { Authorization: basic("alice@example.test") });
    await a1.waitFrames(1);
    await a2.waitFrames(1);
    const a3 = connect(url, { Authorization: basic("alice@example.test") });
    assert.equal(await a3.refused, 429);
    const b1 = connect(url, { Authorization: basic("bob@example.test") });
    await b1.waitFrames(1);
    a1.ws.close();
    await a1.closed;
    // The close handshake ended (the server answered it): the slot is free again.
    const again = connect(url, { Authorization: basic("alice@example.test") });
    await again.waitFrames(1);
    for (const c of [a2, b1, again]) c.ws.close();
  });
});
