import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import nodemailer from "nodemailer";
import { createStaticResolver, type StaticRecords } from "../dns/index.js";
import { dkimTxtRecord, generateDkimKey, verifyIncoming, type DkimKeyPair, type VerifyIncomingInput } from "./index.js";

// Remote sender example.org: MX host mail.example.org at 192.0.2.10 signs with selector
// "sel". We are mx.dest.test. Forwarder and attacker hosts are elsewhere.
const SENDER_IP = "192.0.2.10";
let key: DkimKeyPair;
let records: StaticRecords;

async function signed(from: string, domainName: string, body = "hello\n"): Promise<Buffer> {
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    dkim: { domainName, keySelector: "sel", privateKey: key.privateKeyPem },
  });
  const info = await transport.sendMail({ from, to: "rcpt@dest.test", subject: "test", text: body });
  return info.message as Buffer;
}

function verify(raw: Buffer, over: Partial<VerifyIncomingInput> = {}) {
  return verifyIncoming({
    raw,
    ip: SENDER_IP,
    helo: "mail.example.org",
    mailFrom: "bounces@example.org",
    resolver: createStaticResolver(records),
    hostname: "mx.dest.test",
    ...over,
  });
}

before(async () => {
  key = await generateDkimKey();
  const dkim = dkimTxtRecord("sel", "example.org", key);
  const subDkim = dkimTxtRecord("sel", "news.example.org", key);
  records = {
    [dkim.name]: { TXT: [dkim.value] },
    [subDkim.name]: { TXT: [subDkim.value] },
    "example.org": { TXT: [`v=spf1 ip4:${SENDER_IP} -all`] },
    "mail.example.org": { TXT: [`v=spf1 ip4:${SENDER_IP} -all`] },
    "_dmarc.example.org": { TXT: ["v=DMARC1; p=reject"] },
    "_dmarc.bank.test": { TXT: ["v=DMARC1; p=reject"] },
  };
});

describe("verifyIncoming", () => {
  test("a signed, aligned message passes DKIM, SPF and DMARC", async () => {
    const r = await verify(await signed("Alice <alice@example.org>", "example.org"));
    assert.deepEqual(r.dkim, [{ domain: "example.org", selector: "sel", result: "pass" }]);
    assert.equal(r.spf, "pass");
    assert.equal(r.spfHelo, "pass");
    assert.equal(r.dmarc, "pass");
    assert.equal(r.dmarcPolicy, "reject");
    assert.deepEqual(r.dkimVerifiedDomains, ["example.org"]);
    assert.equal(r.mailFromValidated, true);
    assert.equal(r.msgFromValidated, true);
    assert.equal(r.msgFromValidation, "strict");
    assert.equal(r.fromDomain, "example.org");
    assert.equal(r.error, undefined);
    assert.match(r.authenticationResults, /^Authentication-Results: mx\.dest\.test;\r\n\tdkim=pass header\.i=@example\.org header\.s=sel/);
    assert.match(r.authenticationResults, /\r\n\tspf=pass .* smtp\.mailfrom=bounces@example\.org/);
    assert.match(r.authenticationResults, /\r\n\tspf=pass \([^)]*\) smtp\.helo=mail\.example\.org;/);
    assert.match(r.authenticationResults, /\r\n\tdmarc=pass \(p=REJECT\) header\.from=example\.org.*\r\n$/);
    assert.match(r.receivedSpf ?? "", /^Received-SPF: pass .*client-ip=192\.0\.2\.10;\r\n$/);
  });

  test("unsigned mail with an SPF fail is unverified in every field", async () => {
    const raw = Buffer.from("From: alice@example.org\r\nTo: rcpt@dest.test\r\nSubject: hi\r\n\r\nhello\r\n");
    const r = await verify(raw, { ip: "203.0.113.66", helo: "spammer.test" });
    assert.equal(r.spf, "fail");
    assert.deepEqual(r.dkim, []);
    assert.equal(r.dmarc, "fail");
    assert.equal(r.mailFromValidated, false);
    assert.equal(r.msgFromValidated, false);
    assert.deepEqual(r.dkimVerifiedDomains, []);
    assert.match(r.authenticationResults, /dkim=none \(message not signed\)/);
  });

  test("a valid signature by another domain does not validate the From domain", async () => {
    // The attacker owns example.org (valid DKIM and SPF) and forges From: bank.test.
    const r = await verify(await signed("ceo@bank.test", "example.org"));
    assert.deepEqual(r.dkimVerifiedDomains, ["example.org"]);
    assert.equal(r.mailFromValidated, true);
    assert.equal(r.msgFromValidated, false);
    assert.equal(r.msgFromValidation, "none");
    assert.equal(r.dmarc, "fail");
    assert.equal(r.fromDomain, "bank.test");
  });

  test("a subdomain signature aligns relaxed, and DMARC pass makes it 'dmarc'", async () => {
    const r = await verify(await signed("alice@example.org", "news.example.org"), { mailFrom: "", helo: "unknown.test" });
    assert.deepEqual(r.dkimVerifiedDomains, ["news.example.org"]);
    assert.equal(r.dmarc, "pass");
    assert.equal(r.msgFromValidation, "dmarc");
    assert.equal(r.msgFromValidated, true);
    assert.equal(r.mailFromValidated, false, "null reverse-path: SPF checked postmaster@HELO, not a MAIL FROM");
  });

  test("IDN domains: SPF on the A-label, DKIMVerifiedDomains in unicode as mox reports them", async () => {
    const idn = dkimTxtRecord("sel", "bücher.example", key);
    const resolver = createStaticResolver({
      [idn.name]: { TXT: [idn.value] },
      "xn--bcher-kva.example": { TXT: [`v=spf1 ip4:${SENDER_IP} -all`] },
    });
    const raw = await signed("alice@bücher.example", "xn--bcher-kva.example");
    const r = await verify(raw, { resolver, mailFrom: "bounces@bücher.example" });
    assert.equal(r.spf, "pass");
    assert.equal(r.mailFromValidated, true);
    assert.deepEqual(r.dkimVerifiedDomains, ["bücher.example"]);
    assert.equal(r.msgFromValidation, "strict");
  });

  test("a forwarded message with a modified body fails DKIM (body hash) and is unverified", async () => {
    const original = await signed("alice@example.org", "example.org");
    const forwarded = Buffer.concat([original, Buffer.from("-- \r\nSent through the list\r\n")]);
    const r = await verify(forwarded, { ip: "198.51.100.7", helo: "lists.forwarder.test", mailFrom: "list@forwarder.test" });
    assert.equal(r.dkim.length, 1);
    assert.equal(r.dkim[0]?.result, "fail"); // mailauth says "neutral"; RFC 8601 and mox say fail
    assert.match(r.authenticationResults, /\r\n\tdkim=fail \(body hash did not verify\) header\.i=@example\.org/);
    assert.match(r.dkim[0]?.comment ?? "", /body hash/);
    assert.deepEqual(r.dkimVerifiedDomains, []);
    assert.equal(r.dmarc, "fail");
    assert.equal(r.msgFromValidated, false);
    assert.equal(r.mailFromValidated, false);
  });

  test("the body of a signed message is checked whatever the case of the field name", async () => {
    const body = "line of a long body\n".repeat(5000);
    const original = await signed("alice@example.org", "example.org", body);
    const renamed = Buffer.from(original.toString("latin1").replace(/^DKIM-Signature:/m, "dKiM-SiGnAtUrE:"), "latin1");
    const r = await verify(renamed);
    assert.deepEqual(r.dkim, [{ domain: "example.org", selector: "sel", result: "pass" }]);
    const tampered = Buffer.from(renamed);
    tampered[tampered.lastIndexOf("long body")] = 0x4c; // "Long body", far from the header
    const t = await verify(tampered);
    assert.equal(t.dkim[0]?.result, "fail");
    assert.match(t.dkim[0]?.comment ?? "", /body hash/);
  });

  test("an unsigned message with a large body gets the same results as its header alone", async () => {
    const header = "From: alice@example.org\r\nTo: rcpt@dest.test\r\nSubject: big\r\n\r\n";
    const big = Buffer.from(header + "x".repeat(70) + "\r\n".repeat(1) + "line\r\n".repeat(20000));
    const [a, b] = await Promise.all([verify(big), verify(Buffer.from(header))]);
    assert.deepEqual(a, b);
    assert.equal(a.spf, "pass");
    assert.equal(a.dmarc, "pass");
    assert.match(a.authenticationResults, /dkim=none \(message not signed\)/);
  });

  test("a DNS that never answers is cut off by the deadline; everything is unverified", async () => {
    const hanging = createStaticResolver({}, { fallback: { ...createStaticResolver({}), resolve: () => new Promise<never>(() => {}) } });
    const raw = await signed("alice@example.org", "example.org");
    const t0 = Date.now();
    const r = await verify(raw, { resolver: hanging, timeoutMs: 400, dnsTimeoutMs: 10_000 });
    const took = Date.now() - t0;
    assert.ok(took < 1500, `took ${took} ms`);
    assert.match(r.error ?? "", /deadline/);
    assert.equal(r.dkim[0]?.result, "temperror");
    assert.equal(r.spf, "temperror");
    assert.equal(r.mailFromValidated, false);
    assert.equal(r.msgFromValidated, false);
    assert.deepEqual(r.dkimVerifiedDomains, []);
  });

  test("scripted SERVFAIL and timeouts give temperror, within the per-lookup bound", async () => {
    const failing = createStaticResolver({
      "sel._domainkey.example.org": { fail: "servfail" },
      "example.org": { fail: "hang" },
      "mail.example.org": { fail: "timeout" },
    });
    const t0 = Date.now();
    const r = await verify(await signed("alice@example.org", "example.org"), { resolver: failing, dnsTimeoutMs: 150 });
    assert.ok(Date.now() - t0 < 1500);
    assert.equal(r.dkim[0]?.result, "temperror");
    assert.equal(r.spf, "temperror");
    assert.equal(r.spfHelo, "temperror");
    assert.equal(r.msgFromValidated, false);
  });

  test("bad input never throws and yields an unverified result with an error note", async () => {
    const cases: Array<Partial<VerifyIncomingInput>> = [
      { raw: "not a buffer" as unknown as Buffer },
      { ip: "not-an-ip" },
      { raw: Buffer.from([0, 255, 13, 10, 13, 10, 1, 2, 3]) },
      { raw: Buffer.alloc(0), mailFrom: "<>@@", helo: "[999.1.1.1]" },
      { resolver: { ...createStaticResolver({}), resolve: () => { throw new Error("boom"); } } },
    ];
    for (const c of cases) {
      // From an address example.org's SPF does not list, so nothing can legitimately pass.
      const r = await verify(Buffer.from("From: a@example.org\r\n\r\nx\r\n"), { ip: "203.0.113.1", ...c });
      assert.equal(r.mailFromValidated, false);
      assert.equal(r.msgFromValidated, false);
      assert.deepEqual(r.dkimVerifiedDomains, []);
      assert.match(r.authenticationResults, /^Authentication-Results: mx\.dest\.test;/);
    }
    const r = await verify(Buffer.from("x"), { ip: "nonsense" });
    assert.equal(r.error, "invalid remote IP");
    assert.equal(r.authenticationResults, "Authentication-Results: mx.dest.test; none (invalid remote IP)\r\n");
  });

  test("a message with many signatures is held to the lookup budget", async () => {
    const one = await signed("alice@example.org", "example.org");
    // The DKIM-Signature field with its folded continuation lines.
    const sig = /^DKIM-Signature:.*(?:\r?\n[ \t].*)*/m.exec(one.toString("latin1"))?.[0];
    assert.ok(sig);
    const flood = Buffer.concat([Buffer.from(`${sig}\r\n`.repeat(100)), one]);
    const resolver = createStaticResolver(records);
    const r = await verify(flood, { resolver, maxDnsLookups: 20 });
    assert.equal(r.dkim.length, 101);
    assert.ok(resolver.queries.length <= 20, `${resolver.queries.length} lookups`);
    assert.equal(r.msgFromValidated, r.dkimVerifiedDomains.length > 0 || r.spf === "pass");
  });
});

describe("verifyIncoming on header bombs (docs/guarantees.md B3)", () => {
  const folded = (n: number) => Buffer.from(`From: Alice <alice@example.org>\r\nTo: ${Array.from({ length: n }, (_, i) => `u${i}@example.com`).join(",\r\n ")}\r\nSubject: x\r\n\r\nbody\r\n`);

  test("100,000 folded To lines: unverified at once instead of a minute of blocked event loop", async () => {
    const t0 = performance.now();
    const r = await verify(folded(100_000));
    const ms = performance.now() - t0;
    assert.equal(r.error, "header over 5000 lines");
    assert.equal(r.msgFromValidated, false);
    assert.equal(r.spf, "none");
    assert.ok(ms < 2000, `took ${Math.round(ms)} ms`);
  });

  test("a long but ordinary header (4,000 folded lines) is still verified", async () => {
    const r = await verify(folded(4000));
    assert.equal(r.error, undefined);
    assert.equal(r.spf, "pass");
  });
});

