// The incoming webhook's Date keeps the zone of the message's Date header, as mox's does
// (Go's time keeps the offset it was parsed with): parsed by the real parser pool.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMessage } from "../message/index.js";
import { incomingPayload } from "./incoming-payload.js";

const facts = {
  msgId: 1,
  mailFrom: "a@example.org",
  rcptTo: "b@example.test",
  remoteIp: "192.0.2.1",
  received: new Date("2024-03-27T00:00:03Z"),
  mailboxName: "Inbox",
  mailFromValidated: false,
  msgFromValidated: false,
  dkimVerifiedDomains: [],
};

async function dateOf(header: string): Promise<unknown> {
  const raw = Buffer.from(`From: a@example.org\r\nTo: b@example.test\r\nSubject: d\r\n${header}\r\n\r\nhi\r\n`);
  return (JSON.parse(incomingPayload(await parseMessage(raw), facts, raw.length)) as { Date: unknown }).Date;
}

describe("incoming payload Date", () => {
  it("keeps the header's offset", async () => {
    assert.equal(await dateOf("Date: Wed, 27 Mar 2024 02:00:00 +0200"), "2024-03-27T02:00:00+02:00");
    assert.equal(await dateOf("Date: Tue, 26 Mar 2024 19:00:00 -0500 (EST)"), "2024-03-26T19:00:00-05:00");
    assert.equal(await dateOf("Date: Tue, 26 Mar 2024 19:00:00 EST"), "2024-03-26T19:00:00-05:00");
    assert.equal(await dateOf("Date: Wed, 27 Mar 2024 00:00:00 +0000"), "2024-03-27T00:00:00Z");
    assert.equal(await dateOf("Date: Wed, 27 Mar 2024 00:00:00 GMT"), "2024-03-27T00:00:00Z");
    assert.equal(await dateOf("X-No-Date: 1"), null);
  });
});
