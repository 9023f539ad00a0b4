import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SMTPServerSession } from "smtp-server";
import { deliveryFields, receivedField, receivedProtocol } from "./received.js";

const at = Date.UTC(2026, 11, 6, 4, 4, 1);

function session(o: Partial<Record<string, unknown>> = {}): SMTPServerSession {
  return { id: "ABCDEFGH", openingCommand: "EHLO", hostNameAppearsAs: "client.example", secure: false, user: undefined, envelope: {}, ...o } as unknown as SMTPServerSession;
}

describe("Received field", () => {
  it("names the protocol per RFC 3848 and RFC 6531", () => {
    assert.equal(receivedProtocol(session()), "ESMTP");
    assert.equal(receivedProtocol(session({ secure: true })), "ESMTPS");
    assert.equal(receivedProtocol(session({ secure: true, user: { accountId: 1 } })), "ESMTPSA");
    assert.equal(receivedProtocol(session({ user: { accountId: 1 } })), "ESMTPA");
    assert.equal(receivedProtocol(session({ secure: true, envelope: { smtpUtf8: true } })), "UTF8SMTPS");
    assert.equal(receivedProtocol(session({ openingCommand: "HELO", secure: true })), "SMTP");
  });

  it("writes an IPv6 client as an IPv6 address literal and drops an EHLO name that is not a domain", () => {
    const v6 = receivedField({ kind: "mx", session: session(), ip: "2001:db8::1", hostname: "mx.example", recipients: ["a@b.example"], now: at });
    assert.equal(v6, "Received: from client.example ([IPv6:2001:db8::1])\r\n\tby mx.example with ESMTP id ABCDEFGH\r\n\tfor <a@b.example>;\r\n\tSun, 06 Dec 2026 04:04:01 +0000\r\n");
    const bad = receivedField({ kind: "mx", session: session({ hostNameAppearsAs: "evil (x)\r\nX-Injected: 1" }), ip: "192.0.2.7", hostname: "mx.example", recipients: [], now: at });
    assert.match(bad, /^Received: from \[192\.0\.2\.7\] \(\[192\.0\.2\.7\]\)\r\n\tby mx\.example with ESMTP id ABCDEFGH;\r\n/);
    const literal = receivedField({ kind: "mx", session: session({ hostNameAppearsAs: "[192.0.2.7]" }), ip: "192.0.2.7", hostname: "mx.example", recipients: [], now: at });
    assert.match(literal, /^Received: from \[192\.0\.2\.7\] \(\[192\.0\.2\.7\]\)/);
  });

  it("on submission names our host, not the client, and carries the TLS version and cipher", () => {
    const s = session({ secure: true, user: { accountId: 1 }, tlsOptions: { version: "TLSv1.3", standardName: "TLS_AES_256_GCM_SHA384" } });
    const r = receivedField({ kind: "submission", session: s, ip: "198.51.100.9", hostname: "mx.example", recipients: ["a@b.example", "c@d.example"], now: at });
    assert.equal(r, "Received: from mx.example\r\n\tby mx.example with ESMTPSA (TLSv1.3 TLS_AES_256_GCM_SHA384) id ABCDEFGH;\r\n\tSun, 06 Dec 2026 04:04:01 +0000\r\n");
    assert.doesNotMatch(r, /198\.51\.100\.9/);
  });

  it("adds Return-Path (<> for a bounce) and Delivered-To per stored copy", () => {
    assert.equal(deliveryFields("", "a@b.example"), "Return-Path: <>\r\nDelivered-To: a@b.example\r\n");
  });
});
