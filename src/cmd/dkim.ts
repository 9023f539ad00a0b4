import { join, resolve } from "node:path";
import { loadConfigFile } from "../config/index.js";
import { dkimPublicKey, dkimTxtRecord, dnsRecords, formatZone, generateDkimKey, loadDkimKey, MailAuthError, saveDkimKey } from "../mail-auth/index.js";

/** Where DKIM keys live: `<dataDir>/dkim/<domain>/<selector>.key`. */
export function dkimDir(o: { config?: string; dir?: string }): string {
  const dataDir = o.dir ?? (o.config ? loadConfigFile(o.config).dataDir : "./postwire-data");
  return join(resolve(dataDir), "dkim");
}

/** `postwire dkim genkey DOMAIN [--selector S]`: writes a key and prints the TXT record to publish. */
export async function dkimGenkeyCommand(o: { domain: string; selector: string; config?: string; dir?: string; overwrite?: boolean }): Promise<void> {
  const key = await generateDkimKey({ algorithm: "rsa", bits: 2048 });
  try {
    const path = await saveDkimKey(dkimDir(o), o.domain, o.selector, key.privateKeyPem, { overwrite: o.overwrite });
    const rec = dkimTxtRecord(o.selector, o.domain, key);
    process.stdout.write(`wrote ${path}\npublish this TXT record:\n${rec.name}. IN TXT "${rec.value}"\n`);
  } catch (err) {
    if (err instanceof MailAuthError && err.code === "DKIM_KEY_EXISTS") {
      throw new Error(`a key for ${o.selector}._domainkey.${o.domain} exists; pass --overwrite to replace it`, { cause: err });
    }
    throw err;
  }
}

/** `postwire dns-records DOMAIN`: prints the MX, SPF, DKIM, DMARC and TLS-RPT records to publish. */
export async function dnsRecordsCommand(o: {
  domain: string;
  hostname: string;
  selector: string;
  config?: string;
  dir?: string;
  ipv4?: string[];
  ipv6?: string[];
}): Promise<void> {
  const stored = await loadDkimKey(dkimDir(o), o.domain, o.selector).catch((err: unknown) => {
    throw new Error(`no DKIM key for ${o.domain} selector ${o.selector}; run: postwire dkim genkey ${o.domain} --selector ${o.selector}`, {
      cause: err,
    });
  });
  const pub = dkimPublicKey(stored.privateKeyPem);
  const records = dnsRecords({
    domain: o.domain,
    hostname: o.hostname,
    selector: o.selector,
    publicKeyDnsValue: pub.publicKeyDnsValue,
    algorithm: pub.algorithm,
    ipv4: o.ipv4,
    ipv6: o.ipv6,
  });
  process.stdout.write(formatZone(records));
}
