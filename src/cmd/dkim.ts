import { importDataDirDkimKeys } from "../app/index.js";
import { durationMs } from "../config/index.js";
import { asciiDomain, tryAsciiDomain, dkimPublicKey, dkimSelector, dkimTxtRecord, dnsRecords, formatZone, generateDkimKey } from "../mail-auth/index.js";
import { createLogger } from "../log/index.js";
import { addDkimKey, listDkimKeys, removeDkimKey, signingDkimKey, type StoredDkimKeyRow } from "../store/index.js";
import { openCommandDatabase, type DatabaseArgs } from "./database.js";
import { UsageError } from "./usage.js";

/** Runs `fn` on the command's database after importing key files of earlier versions. */
async function withKeys<T>(o: DatabaseArgs, fn: (x: Awaited<ReturnType<typeof openCommandDatabase>>) => Promise<T>): Promise<T> {
  const x = await openCommandDatabase(o);
  try {
    await importDataDirDkimKeys(x.database, x.dataDir, createLogger({ level: "warn", fd: 2 }));
    return await fn(x);
  } finally {
    await x.database.close();
  }
}

function txtZone(k: Pick<StoredDkimKeyRow, "domain" | "selector" | "privateKeyPem">): string {
  const rec = dkimTxtRecord(k.selector, k.domain, dkimPublicKey(k.privateKeyPem));
  return formatZone([{ purpose: "dkim", type: "TXT", name: rec.name, value: rec.value, comment: `DKIM key ${k.selector} of ${k.domain}` }]);
}

/**
 * `postwire dkim genkey DOMAIN [--selector S] [--overwrite]`: makes the first DKIM key of a
 * domain in the database (every process signs with it) and prints the TXT record to publish.
 * A domain that has a key is changed with `dkim rotate`; `--overwrite` replaces the key of
 * the same selector in place (mail in flight signed with the old key then fails to verify).
 */
export async function dkimGenkeyCommand(o: DatabaseArgs & { domain: string; selector?: string; overwrite?: boolean }): Promise<void> {
  const domain = asciiDomain(o.domain);
  await withKeys(o, async ({ database, config }) => {
    const configured = config?.domains.find((d) => tryAsciiDomain(d.name) === domain)?.dkimSelector;
    const selector = dkimSelector(o.selector ?? configured ?? "postwire");
    const existing = await listDkimKeys(database.db, domain);
    const others = existing.filter((k) => !(o.overwrite && k.selector === selector));
    if (others.length) {
      const names = existing.map((k) => k.selector).join(", ");
      throw new Error(`${domain} already has DKIM key(s) (${names}); change keys with: postwire dkim rotate ${domain}` + (existing.some((k) => k.selector === selector) ? ` (or pass --overwrite to replace ${selector})` : ""));
    }
    const { privateKeyPem } = await generateDkimKey({ algorithm: "rsa", bits: 2048 });
    await database.db.transaction((tx) => addDkimKey(tx, { domain, selector, privateKeyPem, replace: o.overwrite }));
    process.stdout.write(`stored DKIM key ${selector}._domainkey.${domain}; it signs from now on.\npublish this TXT record:\n${txtZone({ domain, selector, privateKeyPem })}`);
  });
}

/**
 * `postwire dkim rotate DOMAIN [--selector S] [--sign-after DURATION]`: makes a new key under a
 * new selector that signs from now (or after DURATION, time to publish its record first); the
 * previous keys stay stored so their records can stay published while mail signed with them is
 * still being verified. Prints the record to publish and the selectors to retire later.
 */
export async function dkimRotateCommand(o: DatabaseArgs & { domain: string; selector?: string; signAfter?: string }): Promise<void> {
  const domain = asciiDomain(o.domain);
  if (o.signAfter && !/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(o.signAfter)) throw new UsageError(`--sign-after: a duration like 30m, 48h or 2d, got ${o.signAfter}`);
  const delay = o.signAfter ? durationMs(o.signAfter) : 0;
  await withKeys(o, async ({ database }) => {
    const existing = await listDkimKeys(database.db, domain);
    if (!existing.length) throw new Error(`${domain} has no DKIM key to rotate; make one with: postwire dkim genkey ${domain}`);
    const taken = new Set(existing.map((k) => k.selector));
    const selector = o.selector ? dkimSelector(o.selector) : freshSelector(taken);
    if (taken.has(selector)) throw new Error(`selector ${selector} of ${domain} is taken; pick another with --selector`);
    const { privateKeyPem } = await generateDkimKey({ algorithm: "rsa", bits: 2048 });
    const signsFrom = new Date(Date.now() + delay);
    await database.db.transaction((tx) => addDkimKey(tx, { domain, selector, privateKeyPem, signsFrom }));
    const when = delay ? `from ${signsFrom.toISOString()}` : "from now on";
    process.stdout.write(
      `stored DKIM key ${selector}._domainkey.${domain}; it signs ${when} in every process.\n` +
        `publish this TXT record:\n${txtZone({ domain, selector, privateKeyPem })}` +
        `keep the records of ${[...taken].join(", ")} published until mail signed with them has been delivered (a few days),\n` +
        `then remove each with: postwire dkim remove ${domain} SELECTOR\n`,
    );
  });
}

/** `postwire dkim list [DOMAIN]`: stored keys, which one signs, and their TXT records. */
export async function dkimListCommand(o: DatabaseArgs & { domain?: string }): Promise<void> {
  await withKeys(o, async ({ database }) => {
    const keys = await listDkimKeys(database.db, o.domain);
    const now = new Date();
    for (const k of keys) {
      const signing = signingDkimKey(keys, k.domain, now)?.selector === k.selector;
      const status =
        k.algorithm !== "rsa" ? "not used for signing (not RSA)" : signing ? "signing" : k.signsFrom > now ? `signs from ${k.signsFrom.toISOString()}` : "previous (still publishable)";
      process.stdout.write(`${k.domain} ${k.selector} ${k.algorithm} created ${k.createdAt.toISOString()}: ${status}\n${txtZone(k)}`);
    }
    if (!keys.length) process.stdout.write(`no DKIM keys${o.domain ? ` for ${o.domain}` : ""}\n`);
  });
}

/** `postwire dkim remove DOMAIN SELECTOR`: deletes a key that no longer signs. */
export async function dkimRemoveCommand(o: DatabaseArgs & { domain: string; selector: string }): Promise<void> {
  await withKeys(o, async ({ database }) => {
    await database.db.transaction((tx) => removeDkimKey(tx, o.domain, o.selector, new Date()));
    process.stdout.write(`removed DKIM key ${dkimSelector(o.selector)}._domainkey.${asciiDomain(o.domain)}; delete its TXT record too\n`);
  });
}

/** `postwire dns-records DOMAIN`: prints the MX, SPF, DKIM, DMARC and TLS-RPT records to publish. */
export async function dnsRecordsCommand(o: DatabaseArgs & { domain: string; hostname: string; selector?: string; ipv4?: string[]; ipv6?: string[] }): Promise<void> {
  const records = await withKeys(o, async ({ database }) => {
    const keys = await listDkimKeys(database.db, o.domain);
    const key = o.selector ? keys.find((k) => k.selector === dkimSelector(o.selector!)) : signingDkimKey(keys, o.domain, new Date());
    if (!key) throw new Error(`no DKIM key for ${o.domain}${o.selector ? ` selector ${o.selector}` : ""}; run: postwire dkim genkey ${o.domain}`);
    const pub = dkimPublicKey(key.privateKeyPem);
    return dnsRecords({ domain: o.domain, hostname: o.hostname, selector: key.selector, publicKeyDnsValue: pub.publicKeyDnsValue, algorithm: pub.algorithm, ipv4: o.ipv4, ipv6: o.ipv6 });
  });
  process.stdout.write(formatZone(records));
}

/** `postwire` + date, then a letter when several rotations happen on one day. */
function freshSelector(taken: Set<string>): string {
  const base = `postwire${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`;
  for (const suffix of ["", ..."bcdefghijklmnopqrstuvwxyz"]) if (!taken.has(base + suffix)) return base + suffix;
  return `${base}-${Date.now()}`;
}
