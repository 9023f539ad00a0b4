// localserve delivers every outgoing message back to its own MX; a Send with RequireTLS: true
// must arrive as in mox localserve (which delivers it): the MX offers STARTTLS and, once
// encrypted, REQUIRETLS, and the loopback delivery verifies localserve's own certificate.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLocalserveProc, type ServerProc } from "../helpers/proc.js";
import { probeSmtp } from "../helpers/tls-probe.js";

const auth = "Basic " + Buffer.from("mox@localhost:moxmoxmox").toString("base64");

async function call(p: ServerProc, method: string, req: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`http://127.0.0.1:${p.ports.http}/webapi/v0/${method}`, {
    method: "POST",
    headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ request: JSON.stringify(req) }),
  });
  const text = await r.text();
  assert.equal(r.status, 200, `${method}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

describe("localserve RequireTLS", () => {
  let p: ServerProc;
  before(async () => (p = await startLocalserveProc()));
  after(async () => p?.cleanup());

  it("its MX offers STARTTLS, and REQUIRETLS once encrypted", async () => {
    const r = await probeSmtp({ port: p.ports.smtp, mode: "starttls", servername: "localhost" });
    assert.equal(r.error, undefined);
    assert.notEqual(r.fingerprint, "");
    assert.match(r.ehlo, /REQUIRETLS/);
  });

  it("delivers a Send with RequireTLS: true back to itself", async () => {
    const sent = await call(p, "Send", {
      To: [{ Address: "friend@example.org" }],
      Subject: "requiretls loopback",
      Text: "kept private\n",
      RequireTLS: true,
    });
    const [sub] = sent.Submissions as { QueueMsgID: number }[];
    assert.ok(sub);
    const waited = await call(p, "MessageWait", { Address: "friend@example.org", Subject: "requiretls loopback", Timeout: 30 });
    const msg = waited.Message as { Subject?: string; MsgID: number } | null;
    assert.equal(msg?.Subject, "requiretls loopback", JSON.stringify(waited));
    const raw = await fetch(`http://127.0.0.1:${p.ports.http}/webapi/v0/MessageRawGet`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: JSON.stringify({ MsgID: msg.MsgID }) }),
    }).then((r) => r.text());
    assert.match(raw, /\r\n\tby localhost with ESMTPS \(TLSv1\.[23] /, "the loopback hop used TLS");
  });
});
