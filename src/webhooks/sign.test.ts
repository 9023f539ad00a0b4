import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { InvalidSecretError } from "./errors.js";
import {
  generateSecret,
  parseSecret,
  signatureHeader,
  signPayload,
  verifySignature,
  webhookTimestamp,
} from "./sign.js";

const BODY = '{"Version":0,"Event":"delivered","Subject":"h\u00e9llo \u263a"}';

function headersFor(id: string, ts: number, signature: string): Record<string, string> {
  return { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": signature };
}

describe("secrets", () => {
  test("generated secrets are whsec_ plus base64 of 32 random bytes by default", () => {
    const a = generateSecret();
    assert.match(a, /^whsec_[A-Za-z0-9+/]+=*$/);
    assert.equal(parseSecret(a).length, 32);
    assert.notEqual(a, generateSecret());
    assert.equal(parseSecret(generateSecret(24)).length, 24);
  });

  test("refuses to generate fewer than 24 bytes", () => {
    assert.throws(() => generateSecret(16), RangeError);
  });

  test("parseSecret refuses a missing prefix, bad base64 and short keys without echoing them", () => {
    const raw = Buffer.alloc(32, 7).toString("base64");
    assert.throws(() => parseSecret(raw), InvalidSecretError);
    assert.throws(() => parseSecret("whsec_"), InvalidSecretError);
    assert.throws(() => parseSecret(`whsec_${raw.slice(0, -1)}!`), InvalidSecretError);
    assert.throws(() => parseSecret(`whsec_${Buffer.alloc(16).toString("base64")}`), /16 bytes/);
    try {
      parseSecret(`whsec_${raw}x`);
      assert.fail("expected a throw");
    } catch (err) {
      assert.ok(err instanceof InvalidSecretError);
      assert.equal(err.code, "webhook_invalid_secret");
      assert.ok(!err.message.includes(raw));
    }
  });
});

describe("signatures interoperate with the standardwebhooks package", () => {
  test("our v1 signature equals the reference library's", () => {
    const secret = generateSecret();
    const ts = webhookTimestamp(new Date("2024-03-27T00:00:03.900Z"));
    assert.equal(ts, 1711497603);
    const ref = new Webhook(secret).sign("msg_1", new Date(ts * 1000), BODY);
    assert.equal(signPayload(secret, "msg_1", ts, BODY), ref);
    assert.equal(signatureHeader([secret], "msg_1", ts, Buffer.from(BODY)), ref);
  });

  test("the reference verifier accepts our header and parses the payload", () => {
    const secret = generateSecret();
    const ts = webhookTimestamp(Date.now());
    const header = signatureHeader([secret], "42", ts, BODY);
    assert.deepEqual(new Webhook(secret).verify(BODY, headersFor("42", ts, header)), JSON.parse(BODY));
  });

  test("during rotation both signatures are sent and each secret verifies", () => {
    const oldSecret = generateSecret();
    const newSecret = generateSecret();
    const ts = webhookTimestamp(Date.now());
    const header = signatureHeader([newSecret, oldSecret], "7", ts, BODY);
    assert.equal(header.split(" ").length, 2);
    assert.match(header, /^v1,[A-Za-z0-9+/]+=* v1,[A-Za-z0-9+/]+=*$/);
    for (const s of [newSecret, oldSecret]) {
      assert.doesNotThrow(() => new Webhook(s).verify(BODY, headersFor("7", ts, header)));
      assert.equal(verifySignature(s, { id: "7", timestamp: String(ts), signature: header }, BODY), true);
    }
    assert.throws(() => new Webhook(generateSecret()).verify(BODY, headersFor("7", ts, header)), WebhookVerificationError);
  });

  test("a tampered body, id or timestamp fails verification", () => {
    const secret = generateSecret();
    const ts = webhookTimestamp(Date.now());
    const header = signatureHeader([secret], "9", ts, BODY);
    const wh = new Webhook(secret);
    assert.throws(() => wh.verify(`${BODY} `, headersFor("9", ts, header)), WebhookVerificationError);
    assert.throws(() => wh.verify(BODY, headersFor("10", ts, header)), WebhookVerificationError);
    assert.throws(() => wh.verify(BODY, headersFor("9", ts - 1, header)), WebhookVerificationError);
    const h = { id: "9", timestamp: String(ts), signature: header };
    assert.equal(verifySignature(secret, { ...h }, `${BODY} `), false);
    assert.equal(verifySignature(secret, { ...h, id: "10" }, BODY), false);
  });

  test("signatureHeader is empty without secrets", () => {
    assert.equal(signatureHeader([], "1", 1, BODY), "");
  });
});

describe("verifySignature", () => {
  const secret = generateSecret();
  const now = Date.UTC(2024, 2, 27);
  const ts = webhookTimestamp(now);
  const sig = signatureHeader([secret], "1", ts, BODY);

  test("accepts within tolerance and refuses outside it", () => {
    const h = { id: "1", timestamp: String(ts), signature: sig };
    assert.equal(verifySignature(secret, h, BODY, { now: now + 299_000 }), true);
    assert.equal(verifySignature(secret, h, BODY, { now: now + 301_000 }), false);
    assert.equal(verifySignature(secret, h, BODY, { now: now - 301_000 }), false);
    assert.equal(verifySignature(secret, h, BODY, { now: now + 3_600_000, toleranceSeconds: 3600 }), true);
  });

  test("ignores unknown versions and malformed entries, refuses bad timestamps", () => {
    const h = { id: "1", timestamp: String(ts), signature: `v2,abc v1 garbage ${sig}` };
    assert.equal(verifySignature(secret, h, BODY, { now }), true);
    assert.equal(verifySignature(secret, { ...h, signature: sig.replace("v1,", "v2,") }, BODY, { now }), false);
    assert.equal(verifySignature(secret, { ...h, timestamp: "1e9" }, BODY, { now }), false);
    // A base64 variant that decodes to the same bytes is not accepted (text comparison).
    assert.equal(verifySignature(secret, { ...h, signature: `${sig}=` }, BODY, { now }), false);
  });
});
