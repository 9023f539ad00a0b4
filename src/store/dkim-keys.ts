import { and, asc, eq, sql } from "drizzle-orm";
import { type DbOrTx, type Tx, schema } from "../db/index.js";
import { asciiDomain, dkimPublicKey, dkimSelector, tryAsciiDomain } from "../mail-auth/index.js";
import { StoreError } from "./errors.js";

const { dkimKeys } = schema;

/** A DKIM key as stored: shared by every process on the database. */
export type StoredDkimKeyRow = typeof dkimKeys.$inferSelect;

/** NOTIFY channel a key change is announced on (payload: the domain), so processes reload. */
export const dkimKeysChannel = "postwire_dkim_keys";

/** How a data-dir key file compared with the database when it was imported. */
export type DkimImportResult = "imported" | "present" | "conflict";

/**
 * Adds a key for `domain`/`selector`, signing from `signsFrom` (default now). Refuses an
 * existing selector (`dkimKeyExists`) unless `replace` is set. Announces the change on
 * {@link dkimKeysChannel} at commit.
 */
export async function addDkimKey(
  tx: Tx,
  k: { domain: string; selector: string; privateKeyPem: string; signsFrom?: Date; replace?: boolean },
): Promise<StoredDkimKeyRow> {
  const values = {
    domain: asciiDomain(k.domain),
    selector: dkimSelector(k.selector),
    algorithm: dkimPublicKey(k.privateKeyPem).algorithm,
    privateKeyPem: k.privateKeyPem,
    signsFrom: k.signsFrom ?? new Date(),
  };
  const insert = tx.insert(dkimKeys).values(values);
  const [row] = k.replace
    ? await insert
        .onConflictDoUpdate({
          target: [dkimKeys.domain, dkimKeys.selector],
          set: { algorithm: values.algorithm, privateKeyPem: values.privateKeyPem, signsFrom: values.signsFrom, createdAt: sql`now()` },
        })
        .returning()
    : await insert.onConflictDoNothing().returning();
  if (!row) throw new StoreError("dkimKeyExists", `a DKIM key for ${values.selector}._domainkey.${values.domain} exists`);
  await announce(tx, values.domain);
  return row;
}

/**
 * Imports a key found in a data dir (the store of earlier versions). It signs only after every
 * key made in the database (signsFrom at the epoch). `present`: the same key is stored;
 * `conflict`: another key holds that selector, which is kept.
 */
export async function importDkimKey(tx: Tx, k: { domain: string; selector: string; privateKeyPem: string }): Promise<DkimImportResult> {
  const domain = asciiDomain(k.domain);
  const selector = dkimSelector(k.selector);
  const [row] = await tx
    .insert(dkimKeys)
    .values({ domain, selector, algorithm: dkimPublicKey(k.privateKeyPem).algorithm, privateKeyPem: k.privateKeyPem, signsFrom: new Date(0) })
    .onConflictDoNothing()
    .returning({ id: dkimKeys.id });
  if (row) {
    await announce(tx, domain);
    return "imported";
  }
  const [cur] = await tx.select({ pem: dkimKeys.privateKeyPem }).from(dkimKeys).where(and(eq(dkimKeys.domain, domain), eq(dkimKeys.selector, selector)));
  return cur?.pem.trim() === k.privateKeyPem.trim() ? "present" : "conflict";
}

/** Removes one key; refuses the domain's current signing key (`dkimKeySigning`). */
export async function removeDkimKey(tx: Tx, domainName: string, selectorName: string, now: Date): Promise<void> {
  const domain = asciiDomain(domainName);
  const selector = dkimSelector(selectorName);
  const keys = await listDkimKeys(tx, domain);
  if (!keys.some((k) => k.selector === selector)) throw new StoreError("dkimKeyNotFound", `no DKIM key ${selector}._domainkey.${domain}`);
  if (signingDkimKey(keys, domain, now)?.selector === selector) {
    throw new StoreError("dkimKeySigning", `${selector}._domainkey.${domain} is the key signing now; rotate first`);
  }
  await tx.delete(dkimKeys).where(and(eq(dkimKeys.domain, domain), eq(dkimKeys.selector, selector)));
  await announce(tx, domain);
}

/** Every stored key (of one domain when given), by domain then selector. */
export async function listDkimKeys(db: DbOrTx, domain?: string): Promise<StoredDkimKeyRow[]> {
  const q = db.select().from(dkimKeys);
  return (domain ? q.where(eq(dkimKeys.domain, asciiDomain(domain))) : q).orderBy(asc(dkimKeys.domain), asc(dkimKeys.selector));
}

/**
 * The key that signs mail from `fromDomain` at `now`: the RSA key (nodemailer signs rsa-sha256
 * only) with the latest `signsFrom` not after `now`; on a tie the first selector by name.
 */
export function signingDkimKey(keys: readonly StoredDkimKeyRow[], fromDomain: string, now: Date): StoredDkimKeyRow | undefined {
  const domain = tryAsciiDomain(fromDomain);
  let best: StoredDkimKeyRow | undefined;
  for (const k of keys) {
    if (k.domain !== domain || k.algorithm !== "rsa" || k.signsFrom > now) continue;
    const later = !best || k.signsFrom > best.signsFrom || (+k.signsFrom === +best.signsFrom && k.selector < best.selector);
    if (later) best = k;
  }
  return best;
}

async function announce(tx: Tx, domain: string): Promise<void> {
  // Delivered at commit to every process LISTENing (PostgreSQL); harmless on PGlite.
  await tx.execute(sql`select pg_notify(${dkimKeysChannel}, ${domain})`);
}
