import { randomBytes } from "node:crypto";
import { chmod, link, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { dkimPublicKey, type DkimKeyPair } from "./dkim-key.js";
import { MailAuthError } from "./errors.js";
import { asciiDomain, dkimSelector, tryAsciiDomain } from "./names.js";

/** A private key read from the key directory. */
export interface StoredDkimKey extends DkimKeyPair {
  domain: string;
  selector: string;
  path: string;
  /** True when group or others may read the file (it should be 0600); log a warning. */
  insecurePermissions: boolean;
}

/** Where the key of `domain`/`selector` lives: `<dir>/<domain>/<selector>.key` (A-labels). */
export function dkimKeyPath(dir: string, domain: string, selector: string): string {
  return join(dir, asciiDomain(domain), `${dkimSelector(selector)}.key`);
}

/**
 * Writes a private key PEM to `<dir>/<domain>/<selector>.key` with mode 0600 (folders
 * 0700), atomically. Refuses to replace an existing key (`DKIM_KEY_EXISTS`) unless
 * `overwrite` is set: replacing a published key breaks verification of mail in flight.
 */
export async function saveDkimKey(
  dir: string,
  domain: string,
  selector: string,
  privateKeyPem: string,
  options: { overwrite?: boolean } = {},
): Promise<string> {
  dkimPublicKey(privateKeyPem); // refuse to store something that is not a usable key
  const path = dkimKeyPath(dir, domain, selector);
  const folder = join(dir, asciiDomain(domain));
  const tmp = `${path}.tmp-${randomBytes(6).toString("hex")}`;
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const fh = await open(tmp, "wx", 0o600);
    try {
      await fh.writeFile(privateKeyPem);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(tmp, 0o600); // in case an ACL or odd umask widened it
    // link() fails with EEXIST atomically, so two concurrent genkeys cannot both win.
    if (options.overwrite) await rename(tmp, path);
    else await link(tmp, path);
    return path;
  } catch (err) {
    if ((err as { code?: unknown }).code === "EEXIST") {
      throw new MailAuthError("DKIM_KEY_EXISTS", `DKIM key ${path} already exists`, { cause: err });
    }
    if (err instanceof MailAuthError) throw err;
    throw new MailAuthError("DKIM_KEY_IO", `saving DKIM key ${path}`, { cause: err });
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Reads one key. Throws `DKIM_KEY_NOT_FOUND`, `DKIM_KEY_INVALID` or `DKIM_KEY_IO`. */
export async function loadDkimKey(dir: string, domain: string, selector: string): Promise<StoredDkimKey> {
  const path = dkimKeyPath(dir, domain, selector);
  let pem: string;
  let mode: number;
  try {
    [pem, mode] = await Promise.all([readFile(path, "utf8"), stat(path).then((s) => s.mode)]);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ENOENT") throw new MailAuthError("DKIM_KEY_NOT_FOUND", `no DKIM key ${path}`, { cause: err });
    throw new MailAuthError("DKIM_KEY_IO", `reading DKIM key ${path}`, { cause: err });
  }
  return {
    domain: asciiDomain(domain),
    selector: dkimSelector(selector),
    path,
    privateKeyPem: pem,
    ...dkimPublicKey(pem),
    insecurePermissions: (mode & 0o077) !== 0,
  };
}

/**
 * Reads every `<dir>/<domain>/<selector>.key`, sorted by domain then selector. A missing
 * directory gives `[]`; entries whose names are not a valid domain/selector are skipped.
 */
export async function loadDkimKeys(dir: string): Promise<StoredDkimKey[]> {
  let domains: string[];
  try {
    domains = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return [];
    throw new MailAuthError("DKIM_KEY_IO", `listing DKIM keys in ${dir}`, { cause: err });
  }
  const keys: StoredDkimKey[] = [];
  for (const domain of domains.sort()) {
    if (tryAsciiDomain(domain) !== domain) continue;
    let files: string[];
    try {
      files = await readdir(join(dir, domain));
    } catch (err) {
      throw new MailAuthError("DKIM_KEY_IO", `listing DKIM keys in ${join(dir, domain)}`, { cause: err });
    }
    for (const file of files.filter((f) => f.endsWith(".key")).sort()) {
      const selector = file.slice(0, -".key".length);
      if (isSelector(selector)) keys.push(await loadDkimKey(dir, domain, selector));
    }
  }
  return keys;
}

function isSelector(s: string): boolean {
  try {
    return dkimSelector(s) === s;
  } catch {
    return false; // not a selector name: some other file in the folder
  }
}
