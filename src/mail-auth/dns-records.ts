import { isIP } from "node:net";
import type { StaticRecords } from "../dns/index.js";
import { dkimTxtRecord, type DkimAlgorithm } from "./dkim-key.js";
import { MailAuthError } from "./errors.js";
import { asciiDomain } from "./names.js";

/** What a record is for. */
export type DnsRecordPurpose = "mx" | "address" | "spf" | "spf-helo" | "dkim" | "dmarc" | "tls-rpt" | "mta-sts";

/** One record a domain owner must publish. Names are absolute A-labels without the final dot. */
export interface DnsRecord {
  purpose: DnsRecordPurpose;
  name: string;
  type: "MX" | "A" | "AAAA" | "TXT";
  /** MX: the exchange host; A/AAAA: the address; TXT: the whole text (unsplit). */
  value: string;
  /** MX preference. */
  priority?: number;
  /** One line for humans: why the record is needed. */
  comment: string;
}

/** Input of {@link dnsRecords}. */
export interface DnsRecordsInput {
  /** The mail domain (addresses `user@domain`). */
  domain: string;
  /** This server's hostname: the MX target and the EHLO name. */
  hostname: string;
  selector: string;
  /** The DKIM `p=` value (from `generateDkimKey` or `dkimPublicKey`). */
  publicKeyDnsValue: string;
  /** Default `rsa`. */
  algorithm?: DkimAlgorithm;
  /** The server's public addresses: added to SPF and given as A/AAAA of `hostname`. */
  ipv4?: string[];
  ipv6?: string[];
  /** DMARC policy. Default `reject`: all mail of the domain is sent through us and signed. */
  dmarcPolicy?: "none" | "quarantine" | "reject";
  /** Where DMARC aggregate reports go. Default `dmarc-reports@<domain>`; `false` for none. */
  dmarcReportAddress?: string | false;
  /** Where TLS reports (RFC 8460) go. Default `tls-reports@<domain>`; `false` for none. */
  tlsReportAddress?: string | false;
  /**
   * MTA-STS (RFC 8461) policy id. Only set it if https://mta-sts.<domain>/.well-known/mta-sts.txt
   * is served with a valid certificate: a TXT record without the policy file is useless.
   */
  mtaStsId?: string;
}

/**
 * The records a user must publish for `domain` to receive mail here and for our outgoing
 * mail to verify: MX, A/AAAA of the host (when addresses are given), SPF for the domain
 * and for the HELO name, DKIM, DMARC, TLS-RPT, and MTA-STS when asked for.
 * Throws `INVALID_DOMAIN`/`INVALID_SELECTOR`/`DKIM_KEY_INVALID` for bad input.
 */
export function dnsRecords(input: DnsRecordsInput): DnsRecord[] {
  const domain = asciiDomain(input.domain);
  const host = asciiDomain(input.hostname);
  const ipv4 = checkIps(input.ipv4 ?? [], 4);
  const ipv6 = checkIps(input.ipv6 ?? [], 6);
  const dkim = dkimTxtRecord(input.selector, domain, {
    algorithm: input.algorithm ?? "rsa",
    publicKeyDnsValue: input.publicKeyDnsValue,
  });
  // ~all, not -all: with DMARC p=reject, receivers decide on DKIM too, so a forwarded
  // message (SPF fails, DKIM passes) is not rejected on SPF alone (RFC 7489 §10.1).
  const spfMechanisms = [...ipv4.map((ip) => `ip4:${ip}`), ...ipv6.map((ip) => `ip6:${ip}`), "mx", "~all"];
  const records: DnsRecord[] = [
    { purpose: "mx", name: domain, type: "MX", value: host, priority: 10, comment: `mail for ${domain} is delivered to ${host}` },
    ...ipv4.map((ip): DnsRecord => ({ purpose: "address", name: host, type: "A", value: ip, comment: `address of ${host}` })),
    ...ipv6.map((ip): DnsRecord => ({ purpose: "address", name: host, type: "AAAA", value: ip, comment: `address of ${host}` })),
    { purpose: "spf", name: domain, type: "TXT", value: `v=spf1 ${spfMechanisms.join(" ")}`, comment: `SPF: hosts allowed to send as ${domain}` },
  ];
  if (host !== domain) {
    // RFC 7208 §2.3: receivers may check the HELO name; let it pass for our own host only.
    const heloSpf = ipv4.length || ipv6.length ? spfMechanisms.slice(0, -2).join(" ") : "a";
    records.push({ purpose: "spf-helo", name: host, type: "TXT", value: `v=spf1 ${heloSpf} -all`, comment: `SPF for the HELO name ${host}` });
  }
  records.push({ purpose: "dkim", name: dkim.name, type: "TXT", value: dkim.value, comment: `DKIM public key, selector ${dkimTxtRecordSelector(dkim.name)}` });
  const dmarc = [`v=DMARC1`, `p=${input.dmarcPolicy ?? "reject"}`];
  const rua = reportAddress(input.dmarcReportAddress, `dmarc-reports@${domain}`);
  if (rua) dmarc.push(`rua=mailto:${rua}`);
  records.push({ purpose: "dmarc", name: `_dmarc.${domain}`, type: "TXT", value: dmarc.join("; "), comment: "DMARC: policy for mail failing SPF and DKIM alignment" });
  const tlsRua = reportAddress(input.tlsReportAddress, `tls-reports@${domain}`);
  if (tlsRua) {
    records.push({ purpose: "tls-rpt", name: `_smtp._tls.${domain}`, type: "TXT", value: `v=TLSRPTv1; rua=mailto:${tlsRua}`, comment: "TLS reporting (RFC 8460): where senders report TLS failures" });
  }
  if (input.mtaStsId !== undefined) {
    if (!/^[A-Za-z0-9]{1,32}$/.test(input.mtaStsId)) throw new MailAuthError("INVALID_OPTIONS", "MTA-STS id must be 1-32 letters or digits");
    records.push({ purpose: "mta-sts", name: `_mta-sts.${domain}`, type: "TXT", value: `v=STSv1; id=${input.mtaStsId}`, comment: `MTA-STS: policy served at https://mta-sts.${domain}/.well-known/mta-sts.txt` });
  }
  return records;
}

function dkimTxtRecordSelector(name: string): string {
  return name.slice(0, name.indexOf("._domainkey."));
}

function checkIps(ips: readonly string[], family: 4 | 6): string[] {
  for (const ip of ips) {
    if (isIP(ip) !== family) throw new MailAuthError("INVALID_OPTIONS", `not an IPv${family} address: ${JSON.stringify(ip)}`);
  }
  return [...ips];
}

function reportAddress(given: string | false | undefined, fallback: string): string | undefined {
  if (given === false) return undefined;
  const addr = given ?? fallback;
  const at = addr.lastIndexOf("@");
  // Keep the mailto: URI clean (RFC 7489 §6.4 uses ',' and '!' as separators).
  if (at < 1 || /[\s,;!"<>]/.test(addr)) throw new MailAuthError("INVALID_DOMAIN", `invalid report address ${JSON.stringify(addr)}`);
  return `${addr.slice(0, at)}@${asciiDomain(addr.slice(at + 1))}`;
}

/**
 * Formats records as a BIND zone-file fragment with absolute names, a comment per record,
 * and TXT values split into quoted 255-byte character-strings (RFC 1035 §3.3.14).
 */
export function formatZone(records: readonly DnsRecord[], ttl = 3600): string {
  const width = Math.max(0, ...records.map((r) => r.name.length + 1));
  const lines: string[] = [];
  for (const r of records) {
    const name = `${r.name}.`.padEnd(width);
    let data: string;
    if (r.type === "MX") data = `${r.priority ?? 10} ${r.value}.`;
    else if (r.type === "TXT") data = txtStrings(r.value);
    else data = r.value;
    lines.push(`; ${r.comment}`, `${name} ${ttl} IN ${r.type.padEnd(4)} ${data}`);
  }
  return `${lines.join("\n")}\n`;
}

function txtStrings(value: string): string {
  const bytes = Buffer.from(value, "utf8");
  const parts: string[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    let text = "";
    // Printable ASCII as is, quotes and backslashes escaped, anything else as \DDD.
    for (const b of bytes.subarray(i, i + 255)) {
      if (b === 0x22 || b === 0x5c) text += `\\${String.fromCharCode(b)}`;
      else if (b >= 0x20 && b < 0x7f) text += String.fromCharCode(b);
      else text += `\\${b.toString().padStart(3, "0")}`;
    }
    parts.push(`"${text}"`);
  }
  return parts.length === 1 ? parts[0]! : `( ${parts.join("\n    ")} )`;
}

/**
 * The records as a static-resolver fixture (`createStaticResolver(toStaticRecords(...))`):
 * localserve's fake DNS and tests can serve exactly what a user would publish.
 */
export function toStaticRecords(records: readonly DnsRecord[]): StaticRecords {
  const out: StaticRecords = {};
  for (const r of records) {
    const set = (out[r.name] ??= {});
    if (r.type === "MX") (set.MX ??= []).push({ exchange: r.value, priority: r.priority ?? 10 });
    else if (r.type === "TXT") (set.TXT ??= []).push(r.value);
    else (set[r.type] ??= []).push(r.value);
  }
  return out;
}
