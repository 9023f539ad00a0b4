import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import nodemailer from "nodemailer";
import { createStaticResolver } from "../dns/index.js";
import { dkimTxtRecord, generateDkimKey, verifyIncoming, type TxtRecord, type VerifyIncomingInput } from "./index.js";

// localserve: the hosted domain "localhost"-like test domain has no DNS at all; our own
// queue delivers to ourselves over loopback, signed with our key.
let raw: Buffer;
let ownRecord: TxtRecord;
let otherRecord: TxtRecord;
const empty = createStaticResolver({});

before(async () => {
  const key = await generateDkimKey();
  ownRecord = dkimTxtRecord("localserve", "hosted.test", key);
  otherRecord = dkimTxtRecord("localserve", "other.test", key);
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    dkim: { domainName: "hosted.test", keySelector: "localserve", privateKey: key.privateKeyPem },
  });
  raw = (await transport.sendMail({ from: "app@hosted.test", to: "user@example.com", subject: "s", text: "t\n" })).message as Buffer;
});

function verify(over: Partial<VerifyIncomingInput>) {
  return verifyIncoming({ raw, ip: "127.0.0.1", helo: "localhost", mailFrom: "app@hosted.test", resolver: empty, hostname: "localhost", ...over });
}

describe("loopback-trust policy", () => {
  test("without the policy, a message from loopback with no DNS is unverified", async () => {
    const r = await verify({});
    assert.equal(r.spf, "none");
    assert.equal(r.dkim[0]?.result, "neutral"); // no key
    assert.equal(r.mailFromValidated, false);
    assert.equal(r.msgFromValidated, false);
  });

  test("hosted domains pass SPF and DKIM (with our key) for connections from loopback", async () => {
    for (const ip of ["127.0.0.1", "::1", "::ffff:127.0.0.1"]) {
      const r = await verify({ ip, trustedDomainsFromLoopback: ["hosted.test"], trustedDkimRecords: [ownRecord] });
      assert.equal(r.spf, "pass", ip);
      assert.equal(r.mailFromValidated, true, ip);
      assert.deepEqual(r.dkimVerifiedDomains, ["hosted.test"], ip);
      assert.equal(r.msgFromValidated, true, ip);
      assert.equal(r.msgFromValidation, "strict", ip);
    }
  });

  test("DKIM still checks the signature: a tampered message does not pass", async () => {
    const tampered = Buffer.from(raw.toString("latin1").replace(/\r\n\r\nt/, "\r\n\r\nT"), "latin1");
    const r = await verify({ raw: tampered, trustedDomainsFromLoopback: ["hosted.test"], trustedDkimRecords: [ownRecord] });
    assert.equal(r.dkim[0]?.result, "fail"); // body hash did not verify (RFC 8601, mox)
    assert.deepEqual(r.dkimVerifiedDomains, []);
  });

  test("does not apply to other IPs", async () => {
    const r = await verify({ ip: "192.0.2.1", trustedDomainsFromLoopback: ["hosted.test"], trustedDkimRecords: [ownRecord] });
    assert.equal(r.spf, "none");
    assert.deepEqual(r.dkimVerifiedDomains, []);
    assert.equal(r.msgFromValidated, false);
  });

  test("does not apply to domains outside the list, nor serve their keys", async () => {
    const r = await verify({ trustedDomainsFromLoopback: ["other.test"], trustedDkimRecords: [ownRecord, otherRecord] });
    assert.equal(r.spf, "none");
    assert.deepEqual(r.dkimVerifiedDomains, []);
    assert.equal(r.msgFromValidated, false);
  });

  test("other names still go to the real resolver", async () => {
    const dns = createStaticResolver({ "_dmarc.hosted.test": { TXT: ["v=DMARC1; p=reject"] } });
    const r = await verify({ resolver: dns, trustedDomainsFromLoopback: ["hosted.test"], trustedDkimRecords: [ownRecord] });
    assert.equal(r.dmarc, "pass");
    assert.ok(dns.queries.some((q) => q.name === "_dmarc.hosted.test"));
    assert.ok(!dns.queries.some((q) => q.name === "hosted.test" || q.name.endsWith("_domainkey.hosted.test")));
  });
});
