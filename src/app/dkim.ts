import { join } from "node:path";
import type { Logger } from "pino";
import type { DkimKey } from "../delivery/index.js";
import { dkimSigningOptions, loadDkimKeys } from "../mail-auth/index.js";

/**
 * The DKIM key provider for delivery: keys made by `postwire dkim genkey` under
 * `<dataDir>/dkim/<domain>/<selector>.key`, read at start. Mail from a domain without a key
 * goes out unsigned (logged once per domain).
 */
export async function dkimProvider(dataDir: string, log: Logger): Promise<(fromDomain: string) => Promise<DkimKey | null>> {
  const keys = await loadDkimKeys(join(dataDir, "dkim")).catch(() => []);
  for (const k of keys) if (k.insecurePermissions) log.warn({ domain: k.domain, selector: k.selector }, "dkim key file is readable by others");
  const warned = new Set<string>();
  return async (fromDomain) => {
    const o = dkimSigningOptions(keys, fromDomain);
    if (!o && !warned.has(fromDomain)) {
      warned.add(fromDomain);
      log.warn({ domain: fromDomain }, "no dkim key for domain, sending unsigned");
    }
    return o ?? null;
  };
}
