import { readFileSync } from "node:fs";
import { hashPassword } from "../auth/index.js";
import { createAccount, ensureDomain, getAccountByName, getDomain, setPasswordHash, StoreError } from "../store/index.js";
import { openCommandDatabase, type DatabaseArgs } from "./database.js";
import { UsageError } from "./usage.js";

/** Reads a password from a file or stdin, never from argv; at least 8 characters. */
function readPassword(passwordFile?: string): string {
  let text: string;
  try {
    text = passwordFile ? readFileSync(passwordFile, "utf8") : readFileSync(0, "utf8");
  } catch (err) {
    throw new Error(`reading the password from ${passwordFile ?? "stdin"}: ${(err as Error).message}`, { cause: err });
  }
  const password = text.trim();
  if (password.length < 8) throw new Error("password must be at least 8 characters");
  return password;
}

/**
 * `postwire account add NAME ADDRESS [--password-file F]`: creates an account (and its domain if
 * new). An existing account is refused, never changed: `account passwd` changes a password.
 */
export async function accountAddCommand(args: DatabaseArgs & { name: string; address: string; passwordFile?: string }): Promise<void> {
  const at = args.address.lastIndexOf("@");
  if (at < 1 || at === args.address.length - 1) throw new UsageError(`ADDRESS must be an email address, got ${args.address}`);
  const password = readPassword(args.passwordFile);
  const { database, config } = await openCommandDatabase(args);
  try {
    const declared = config?.accounts.find((a) => a.name === args.name);
    if (declared?.passwordFile) {
      throw new Error(`account ${args.name} is declared in ${args.config} with passwordFile ${declared.passwordFile}; serve creates it and sets that password`);
    }
    const domain = args.address.slice(at + 1).toLowerCase();
    const passwordHash = await hashPassword(password);
    await database.db.transaction(async (tx) => {
      if (!(await getDomain(tx, domain))) await ensureDomain(tx, { name: domain });
      await createAccount(tx, { name: args.name, addresses: [args.address], passwordHash });
    });
    process.stdout.write(`account ${args.name} created with ${args.address.toLowerCase()}\n`);
  } catch (err) {
    if (err instanceof StoreError && err.code === "accountExists") {
      throw new Error(`account ${args.name} exists; nothing changed (change its password with: postwire account passwd ${args.name})`, { cause: err });
    }
    throw err;
  } finally {
    await database.close();
  }
}

/**
 * `postwire account passwd NAME [--password-file F]`: changes an account's password. Refused for
 * an account whose password the config file sets (passwordFile): serve would put it back.
 */
export async function accountPasswdCommand(args: DatabaseArgs & { name: string; passwordFile?: string }): Promise<void> {
  const password = readPassword(args.passwordFile);
  const { database } = await openCommandDatabase(args);
  try {
    const account = await getAccountByName(database.db, args.name);
    if (!account) throw new Error(`no account ${args.name}; create it with: postwire account add ${args.name} ADDRESS`);
    if (account.passwordSource === "config") {
      throw new Error(`the password of ${args.name} comes from its passwordFile in the configuration; change that file and restart serve (or remove passwordFile from the configuration first)`);
    }
    const hash = await hashPassword(password);
    await setPasswordHash(database.db, account.id, hash, "command");
    process.stdout.write(`password of ${args.name} changed\n`);
  } finally {
    await database.close();
  }
}
