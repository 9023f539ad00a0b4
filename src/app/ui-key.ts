import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The web interface's session key: 32 random bytes in `<dataDir>/ui-session.key`, made on
 * first start (mode 0600), so logins survive a restart. Instances sharing one PostgreSQL but
 * not a data dir each have their own key: a session is valid on the instance that made it.
 */
export function uiSessionKey(dataDir: string): Buffer {
  const file = join(dataDir, "ui-session.key");
  try {
    const key = readFileSync(file);
    if (key.length >= 32) return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const key = randomBytes(32);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}
