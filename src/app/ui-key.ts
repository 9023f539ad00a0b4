import { randomBytes } from "node:crypto";
import { readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "../db/index.js";
import { sharedSecret } from "../store/index.js";

/**
 * The web interface's session key: 32 random bytes made once and kept in the database, so a
 * session signed by one process is valid on every process sharing that database and survives
 * restarts. The `<dataDir>/ui-session.key` of earlier versions is taken as that key when the
 * database has none yet (sessions stay valid across the upgrade), then renamed `.imported`.
 */
export async function uiSessionKey(database: Database, dataDir: string): Promise<Buffer> {
  const file = join(dataDir, "ui-session.key");
  let old: Buffer | null = null;
  try {
    old = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const key = await sharedSecret(database.db, "ui-session-key", () => (old && old.length >= 32 ? old : randomBytes(32)));
  if (old) renameSync(file, `${file}.imported`);
  return key;
}
