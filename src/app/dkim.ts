import { rename } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Database } from "../db/index.js";
import type { DkimKey } from "../delivery/index.js";
import { loadDkimKeys } from "../mail-auth/index.js";
import { dkimKeysChannel, importDkimKey, listDkimKeys, signingDkimKey, type StoredDkimKeyRow } from "../store/index.js";

/** Longest a process signs with a cached key list when no NOTIFY reached it (PGlite, lost LISTEN). */
export const dkimCacheTtlMs = 30_000;

/** The DKIM signer of delivery plus its teardown. */
export type DkimProvider = { key: (fromDomain: string) => Promise<DkimKey | null>; close(): Promise<void> };

/**
 * The DKIM key provider for delivery: keys come from the database (`postwire dkim genkey` /
 * `rotate`), shared by every process. The list is cached and reloaded when a change is
 * announced by NOTIFY (PostgreSQL) or the cache is older than {@link dkimCacheTtlMs}, so a
 * rotation reaches running processes without a restart. Mail from a domain without a key goes
 * out unsigned (logged once per domain). Key times are wall-clock times (the injected clock of
 * tests and localserve does not move them).
 */
export async function createDkimProvider(o: { database: Database; log: Logger; ttlMs?: number }): Promise<DkimProvider> {
  const ttl = o.ttlMs ?? dkimCacheTtlMs;
  let cache: { keys: StoredDkimKeyRow[]; at: number } | null = null;
  let loading: Promise<StoredDkimKeyRow[]> | null = null;
  // Bumped by every NOTIFY: a load that was already running may have read the table before the
  // announced commit, so its result is used once but not kept as fresh.
  let generation = 0;
  const load = () => {
    const started = { at: Date.now(), generation };
    loading ??= listDkimKeys(o.database.db)
      .then(
        (keys) => {
          cache = { keys, at: started.generation === generation ? started.at : 0 };
          return keys;
        },
        (err: unknown) => {
          // Keep signing with the last keys read rather than send unsigned while the database is away.
          if (!cache) throw err;
          o.log.warn({ err }, "reloading dkim keys failed, signing with the previous list");
          return cache.keys;
        },
      )
      .finally(() => (loading = null));
    return loading;
  };
  const unlisten = o.database.listen
    ? await o.database.listen(dkimKeysChannel, () => {
        generation++;
        cache = null;
      })
    : null;
  await load();
  const warned = new Set<string>();
  return {
    async key(fromDomain) {
      const keys = cache && Date.now() - cache.at < ttl ? cache.keys : await load();
      const k = signingDkimKey(keys, fromDomain, new Date(Date.now()));
      if (!k && !warned.has(fromDomain)) {
        warned.add(fromDomain);
        o.log.warn({ domain: fromDomain }, "no dkim key for domain, sending unsigned");
      }
      return k ? { domainName: k.domain, keySelector: k.selector, privateKey: k.privateKeyPem } : null;
    },
    async close() {
      await unlisten?.();
    },
  };
}

/**
 * Imports the key files of earlier versions (`<dataDir>/dkim/<domain>/<selector>.key`) into the
 * database, once: an imported (or already stored) file is renamed to `.key.imported` and kept as
 * a backup. A file whose selector holds another key in the database is left in place (logged).
 */
export async function importDataDirDkimKeys(database: Database, dataDir: string, log: Logger): Promise<number> {
  const files = await loadDkimKeys(join(dataDir, "dkim"));
  let imported = 0;
  for (const f of files) {
    const r = await database.db.transaction((tx) => importDkimKey(tx, f));
    if (r === "conflict") {
      log.warn({ domain: f.domain, selector: f.selector, file: f.path }, "dkim key file differs from the stored key of that selector, not imported");
      continue;
    }
    if (r === "imported") imported++;
    await rename(f.path, `${f.path}.imported`);
    log.info({ domain: f.domain, selector: f.selector, result: r }, "dkim key file imported into the database");
  }
  return imported;
}
