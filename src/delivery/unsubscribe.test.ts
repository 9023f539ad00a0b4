// Unsubscribe tokens: a token verifies to exactly what was signed; any changed part, another
// key, or a malformed token is refused.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { unsubscribeToken, verifyUnsubscribeToken } from "./unsubscribe.js";

describe("unsubscribe tokens", () => {
  const key = randomBytes(32);
  const grant = { accountId: 7, address: "Reader+x@example.org", category: "news", queueMsgId: 123, issuedAt: new Date("2026-01-02T03:04:05.678Z") };

  it("round-trips the signed grant", () => {
    assert.deepEqual(verifyUnsubscribeToken(key, unsubscribeToken(key, grant)), grant);
  });

  it("refuses changed parts, another key and malformed tokens", () => {
    const token = unsubscribeToken(key, grant);
    const parts = token.split(".");
    const forged = [
      unsubscribeToken(key, { ...grant, category: "billing" }).split(".").slice(0, 5).concat(parts[5]!).join("."),
      [8, ...parts.slice(1)].join("."),
      parts.slice(0, 3).concat(Buffer.from("other@example.org").toString("base64url"), ...parts.slice(4)).join("."),
      parts.slice(0, 5).concat("A".repeat(43)).join("."),
      "", "x", token + ".", token.slice(1),
    ];
    for (const t of forged) assert.equal(verifyUnsubscribeToken(key, t), null, t);
    assert.equal(verifyUnsubscribeToken(randomBytes(32), token), null);
  });
});
