import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import nodemailer from "nodemailer";
import { createStaticResolver, lookupMx } from "../dns/index.js";
import { dnsRecords, formatZone, generateDkimKey, toStaticRecords, verifyIncoming, type DkimKeyPair } from "./index.js";

let key: DkimKeyPair;
before(async () => {
  key = await generateDkimKey();
});

const base = () => ({ domain: "example.com", hostname: "mail.example.com", selector: "pw1", publicKeyDnsValue: key.publicKeyDnsValue });

describe("dnsRecords", () => {
  test("lists MX, SPF, HELO SPF, DKIM, DMARC and TLS-RPT with sane defaults", () => {
    const byPurpose = Object.fromEntries(dnsRecords(base()).map((r) => [r.purpose, r]));
    assert.deepEqual(Object.keys(byPurpose), ["mx", "spf", "spf-helo", "dkim", "dmarc", "tls-rpt"]);
    assert.deepEqual(
      { name: byPurpose.mx?.name, value: byPurpose.mx?.value, priority: byPurpose.mx?.priority },
      { name: "example.com", value: "mail.example.com", priority: 10 },
    );
    assert.equal(byPurpose.spf?.value, "v=spf1 mx ~all");
    assert.equal(byPurpose["spf-helo"]?.value, "v=spf1 a -all");
    assert.equal(byPurpose.dkim?.name, "pw1._domainkey.example.com");
    assert.equal(byPurpose.dkim?.value, `v=DKIM1; k=rsa; p=${key.publicKeyDnsValue}`);
    assert.equal(byPurpose.dmarc?.value, "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com");
    assert.equal(byPurpose["tls-rpt"]?.value, "v=TLSRPTv1; rua=mailto:tls-reports@example.com");
  });

  test("puts given addresses in SPF and as A/AAAA of the host; options switch parts", () => {
    const records = dnsRecords({
      ...base(),
      ipv4: ["192.0.2.25"],
      ipv6: ["2001:db8::25"],
      dmarcPolicy: "quarantine",
      dmarcReportAddress: false,
      tlsReportAddress: false,
      mtaStsId: "20240101",
    });
    const txt = (p: string) => records.find((r) => r.purpose === p)?.value;
    assert.equal(txt("spf"), "v=spf1 ip4:192.0.2.25 ip6:2001:db8::25 mx ~all");
    assert.equal(txt("spf-helo"), "v=spf1 ip4:192.0.2.25 ip6:2001:db8::25 -all");
    assert.equal(txt("dmarc"), "v=DMARC1; p=quarantine");
    assert.equal(txt("tls-rpt"), undefined);
    assert.equal(txt("mta-sts"), "v=STSv1; id=20240101");
    assert.deepEqual(
      records.filter((r) => r.purpose === "address").map((r) => `${r.name} ${r.type} ${r.value}`),
      ["mail.example.com A 192.0.2.25", "mail.example.com AAAA 2001:db8::25"],
    );
  });

  test("rejects bad input with stable codes", () => {
    assert.throws(() => dnsRecords({ ...base(), domain: "bad domain" }), { code: "INVALID_DOMAIN" });
    assert.throws(() => dnsRecords({ ...base(), ipv4: ["2001:db8::1"] }), { code: "INVALID_OPTIONS" });
    assert.throws(() => dnsRecords({ ...base(), dmarcReportAddress: "a@b.example, evil@x.test" }), { code: "INVALID_DOMAIN" });
    assert.throws(() => dnsRecords({ ...base(), mtaStsId: "x y" }), { code: "INVALID_OPTIONS" });
  });

  test("formats a zone with absolute names and TXT split in 255-byte strings", () => {
    const zone = formatZone(dnsRecords(base()));
    assert.match(zone, /^; mail for example.com is delivered to mail.example.com\nexample\.com\.\s+3600 IN MX\s+10 mail\.example\.com\.\n/);
    const dkimLine = zone.slice(zone.indexOf("pw1._domainkey.example.com."));
    const strings = [...dkimLine.slice(0, dkimLine.indexOf(")")).matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? "");
    assert.ok(strings.length >= 2, "a 2048-bit key needs more than one string");
    assert.ok(strings.every((s) => s.length <= 255));
    assert.equal(strings.join(""), `v=DKIM1; k=rsa; p=${key.publicKeyDnsValue}`);
    assert.match(formatZone([{ purpose: "spf", name: "x.test", type: "TXT", value: 'a"b\\c é', comment: "c" }]), /"a\\"b\\\\c \\195\\169"/);
  });

  test("mail we send verifies against exactly the records we print", async () => {
    const records = dnsRecords({ ...base(), ipv4: ["192.0.2.25"] });
    const resolver = createStaticResolver(toStaticRecords(records));
    assert.deepEqual((await lookupMx(resolver, "example.com")).hosts, [{ host: "mail.example.com", priority: 10 }]);
    const transport = nodemailer.createTransport({
      streamTransport: true,
      buffer: true,
      dkim: { domainName: "example.com", keySelector: "pw1", privateKey: key.privateKeyPem },
    });
    const info = await transport.sendMail({ from: "app@example.com", to: "x@example.net", subject: "s", text: "hello\n" });
    const r = await verifyIncoming({
      raw: info.message as Buffer,
      ip: "192.0.2.25",
      helo: "mail.example.com",
      mailFrom: "app@example.com",
      resolver,
      hostname: "mx.example.net",
    });
    assert.equal(r.spf, "pass");
    assert.equal(r.spfHelo, "pass");
    assert.deepEqual(r.dkimVerifiedDomains, ["example.com"]);
    assert.equal(r.dmarc, "pass");
    assert.equal(r.mailFromValidated && r.msgFromValidated, true);
  });
});
