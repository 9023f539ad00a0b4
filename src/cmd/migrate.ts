import { loadConfigFile } from "../config/index.js";
import { openDatabase } from "../db/index.js";
import { createLogger } from "../log/index.js";

/** `postwire migrate [--config FILE | --dir DIR]`: applies pending migrations and exits. */
export async function migrateCommand(args: { config?: string; dir?: string }): Promise<void> {
  const config = args.config ? loadConfigFile(args.config) : null;
  const log = createLogger({ level: "info", fd: 2 });
  const db = await openDatabase({
    url: process.env.DATABASE_URL || config?.database.url,
    dataDir: args.dir ?? config?.dataDir ?? "./postwire-data",
    log,
  });
  await db.close();
  process.stdout.write(`migrations applied (${db.kind})\n`);
}
