import { join } from "node:path";
import { dkimPublicKey, dkimTxtRecord, generateDkimKey, loadDkimKey, saveDkimKey, type TxtRecord } from "../mail-auth/index.js";

/** localserve's DKIM selector (as mox). */
export const localSelector = "localserve";

/**
 * Makes the DKIM key of `localhost` on first run (RSA: nodemailer signs RSA only; mox uses
 * ed25519) and returns its TXT record, which the loopback-trust policy serves instead of DNS.
 */
export async function ensureLocalDkim(dataDir: string): Promise<TxtRecord> {
  const dir = join(dataDir, "dkim");
  const existing = await loadDkimKey(dir, "localhost", localSelector).catch(() => null);
  const pem = existing?.privateKeyPem ?? (await generateDkimKey({ algorithm: "rsa", bits: 2048 })).privateKeyPem;
  if (!existing) await saveDkimKey(dir, "localhost", localSelector, pem);
  return dkimTxtRecord(localSelector, "localhost", dkimPublicKey(pem));
}
