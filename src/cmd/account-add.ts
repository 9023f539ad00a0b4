import { readFileSync } from "node:fs";
import { hashPassword } from "../auth/index.js";
import { loadConfigFile } from "../config/index.js";
import { openDatabase } from "../db/index.js";
import { createLogger } from "../log/index.js";
import { ensureAccount, ensureDomain, getDomain } from "../store/index.js";

/**
 * `postwire account add NAME ADDRESS [--config FILE] [--password-file F]`: creates an account
 * (and its domain if new). The password is read from a file or stdin, never from argv.
 */
export async function accountAddCommand(args: { name: string; address: string; config?: string; passwordFile?: string; dir?: string }): Promise<void> {
  const config = args.config ? loadConfigFile(args.config) : null;
  const password = (args.passwordFile ? readFileSync(args.passwordFile, "utf8") : readFileSync(0, "utf8")).trim();
  if (password.length < 8) throw new Error("password must be at least 8 characters");
  const database = await openDatabase({
    url: process.env.DATABASE_URL || config?.database.url,
    dataDir: args.dir ?? config?.dataDir ?? "./postwire-data",
    log: createLogger({ level: "warn" }),
  });
  try {
    const domain = args.address.slice(args.address.lastIndexOf("@") + 1);
    const passwordHash = await hashPassword(password);
    await database.db.transaction(async (tx) => {
      if (!(await getDomain(tx, domain))) await ensureDomain(tx, { name: domain });
      await ensureAccount(tx, { name: args.name, addresses: [args.address], passwordHash });
    });
    process.stdout.write(`account ${args.name} with ${args.address} ready\n`);
  } finally {
    await database.close();
  }
}
