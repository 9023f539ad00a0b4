import type { Config } from "../config/index.js";
import { loadConfigFile } from "../config/index.js";
import { openDatabase, type Database } from "../db/index.js";
import { createLogger } from "../log/index.js";

/** Where an administration command finds the database: a config file, a data dir, or neither. */
export type DatabaseArgs = { config?: string; dir?: string };

/**
 * Opens the database a command works on: DATABASE_URL, else the config file's `database.url`,
 * else PGlite in `--dir`, the config's `dataDir` or ./postwire-data. On PGlite the data dir is
 * locked by a running `serve`, so the command then fails with that error: stop serve first.
 */
export async function openCommandDatabase(args: DatabaseArgs, level = "warn"): Promise<{ database: Database; config: Config | null; dataDir: string }> {
  const config = args.config ? loadConfigFile(args.config) : null;
  const dataDir = args.dir ?? config?.dataDir ?? "./postwire-data";
  const database = await openDatabase({ url: process.env.DATABASE_URL || config?.database.url, dataDir, log: createLogger({ level, fd: 2 }) });
  return { database, config, dataDir };
}
