import type { Database } from "../db/index.js";
import { dkimPublicKey, dkimTxtRecord, generateDkimKey, type TxtRecord } from "../mail-auth/index.js";
import { addDkimKey, listDkimKeys } from "../store/index.js";

/** localserve's DKIM selector (as mox). */
export const localSelector = "localserve";

/**
 * Makes the DKIM key of `localhost` in the database on first run (RSA: nodemailer signs RSA
 * only; mox uses ed25519) and returns its TXT record, which the loopback-trust policy serves
 * instead of DNS.
 */
export async function ensureLocalDkim(database: Database): Promise<TxtRecord> {
  let key = (await listDkimKeys(database.db, "localhost")).find((k) => k.selector === localSelector);
  if (!key) {
    const { privateKeyPem } = await generateDkimKey({ algorithm: "rsa", bits: 2048 });
    key = await database.db.transaction((tx) => addDkimKey(tx, { domain: "localhost", selector: localSelector, privateKeyPem }));
  }
  return dkimTxtRecord(localSelector, "localhost", dkimPublicKey(key.privateKeyPem));
}
