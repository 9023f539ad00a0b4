import { and, eq, sql } from "drizzle-orm";
import { type DbOrTx, type Tx, schema, statement } from "../db/index.js";
import type { AccountSettings, MailboxRole } from "../db/schema/index.js";
import { StoreError } from "./errors.js";

const { accounts, addresses, domains, mailboxes } = schema;

export type Account = typeof accounts.$inferSelect;
export type Domain = typeof domains.$inferSelect;
/** Who sets an account's password: the config file's passwordFile, or the account commands. */
export type PasswordSource = Account["passwordSource"];

/** Default account settings (mox's defaults, with retired items kept 7 days). */
export const defaultAccountSettings: AccountSettings = {
  fromIdLoginAddresses: [],
  keepRetiredMessageMs: 7 * 86_400_000,
  keepRetiredWebhookMs: 7 * 86_400_000,
  maxOutgoingMessagesPerDay: 1000,
  maxFirstTimeRecipientsPerDay: 200,
  categories: [],
};

const defaultMailboxes: [string, MailboxRole][] = [
  ["Inbox", "inbox"],
  ["Sent", "sent"],
  ["Archive", "archive"],
  ["Drafts", "drafts"],
  ["Trash", "trash"],
  ["Junk", "junk"],
  ["Rejects", "rejects"],
];

/** Creates or updates a hosted domain by name. */
export async function ensureDomain(
  tx: DbOrTx,
  d: { name: string; disabled?: boolean; catchallSeparator?: string; dkimSelector?: string },
): Promise<Domain> {
  const values = {
    name: d.name.toLowerCase(),
    disabled: d.disabled ?? false,
    catchallSeparator: d.catchallSeparator ?? "+",
    dkimSelector: d.dkimSelector ?? "postwire",
  };
  const [row] = await tx
    .insert(domains)
    .values(values)
    .onConflictDoUpdate({ target: domains.name, set: { disabled: values.disabled, catchallSeparator: values.catchallSeparator, dkimSelector: values.dkimSelector } })
    .returning();
  return row!;
}

/**
 * Creates or updates an account with its addresses (the first is the login) and its standard
 * mailboxes. An address already owned by another account is refused.
 */
export async function ensureAccount(
  tx: Tx,
  a: {
    name: string;
    fullName?: string;
    passwordHash?: string;
    /** Who sets the password from now on (kept when absent; new accounts: `command`). */
    passwordSource?: PasswordSource;
    addresses: string[];
    settings?: Partial<AccountSettings>;
  },
): Promise<Account> {
  const settings = { ...defaultAccountSettings, ...a.settings };
  const set: Partial<typeof accounts.$inferInsert> = { fullName: a.fullName ?? "", settings };
  if (a.passwordHash) set.passwordHash = a.passwordHash;
  if (a.passwordSource) set.passwordSource = a.passwordSource;
  const [acc] = await tx
    .insert(accounts)
    .values({ name: a.name, fullName: a.fullName ?? "", passwordHash: a.passwordHash ?? "", passwordSource: a.passwordSource ?? "command", settings })
    .onConflictDoUpdate({ target: accounts.name, set })
    .returning();
  for (const [name, role] of defaultMailboxes) {
    await tx.insert(mailboxes).values({ accountId: acc!.id, name, role }).onConflictDoNothing();
  }
  for (const [i, raw] of a.addresses.entries()) {
    const address = raw.toLowerCase();
    const [row] = await tx
      .insert(addresses)
      .values({ accountId: acc!.id, address, isLogin: i === 0 })
      .onConflictDoUpdate({ target: addresses.address, set: { isLogin: sql`addresses.is_login` } })
      .returning();
    if (row!.accountId !== acc!.id) throw new StoreError("addressTaken", `address ${address} belongs to another account`);
  }
  return acc!;
}

/**
 * Creates a new account with its addresses (`postwire account add`); refuses a name that exists
 * (`accountExists`) instead of changing that account, and an address another account owns.
 */
export async function createAccount(tx: Tx, a: { name: string; passwordHash: string; addresses: string[] }): Promise<Account> {
  if (await getAccountByName(tx, a.name)) throw new StoreError("accountExists", `account ${a.name} exists`);
  return ensureAccount(tx, { ...a, passwordSource: "command" });
}

/** Sets an account's password hash (and who set it: `account passwd` is `command`). */
export async function setPasswordHash(tx: DbOrTx, accountId: number, passwordHash: string, passwordSource: PasswordSource = "command"): Promise<void> {
  await tx.update(accounts).set({ passwordHash, passwordSource }).where(eq(accounts.id, accountId));
}

// Looked up on every Send, submission, delivery and login: built once (db/statements.ts).
const accountById = statement<{ id: number }, Account[]>("account_by_id", (d) => d.select().from(accounts).where(eq(accounts.id, sql.placeholder("id"))));
const accountByName = statement<{ name: string }, Account[]>("account_by_name", (d) => d.select().from(accounts).where(eq(accounts.name, sql.placeholder("name"))));
const domainByName = statement<{ name: string }, Domain[]>("domain_by_name", (d) => d.select().from(domains).where(eq(domains.name, sql.placeholder("name"))));
const accountByAddress = statement<{ address: string }, { account: Account }[]>("account_by_address", (d) =>
  d.select({ account: accounts }).from(addresses).innerJoin(accounts, eq(addresses.accountId, accounts.id)).where(eq(addresses.address, sql.placeholder("address"))),
);

const domainAndOwner = statement<{ domain: string; address: string }, { domain: Domain; account: Account | null }[]>("domain_and_owner", (d) =>
  d
    .select({ domain: domains, account: accounts })
    .from(domains)
    .leftJoin(addresses, eq(addresses.address, sql.placeholder("address")))
    .leftJoin(accounts, eq(accounts.id, addresses.accountId))
    .where(eq(domains.name, sql.placeholder("domain"))),
);

export async function getAccount(db: DbOrTx, id: number): Promise<Account | null> {
  const [row] = await accountById(db, { id });
  return row ?? null;
}

export async function getAccountByName(db: DbOrTx, name: string): Promise<Account | null> {
  const [row] = await accountByName(db, { name });
  return row ?? null;
}

export async function getDomain(db: DbOrTx, name: string): Promise<Domain | null> {
  const [row] = await domainByName(db, { name: name.toLowerCase() });
  return row ?? null;
}

/** Addresses of an account, login first. */
export async function accountAddresses(db: DbOrTx, accountId: number): Promise<string[]> {
  const rows = await db
    .select({ address: addresses.address, isLogin: addresses.isLogin })
    .from(addresses)
    .where(eq(addresses.accountId, accountId))
    .orderBy(sql`${addresses.isLogin} desc`, addresses.id);
  return rows.map((r) => r.address);
}

/** Where an address belongs. */
export type AddressOwner = { account: Account; domain: Domain; address: string };

/**
 * Finds the account an address belongs to: an exact address, or a catchall-separator variant
 * (`user+tag@d` → `user@d`). Null when the domain is not hosted or no account has it.
 */
export async function findAddressOwner(db: DbOrTx, address: string): Promise<AddressOwner | null> {
  const at = address.lastIndexOf("@");
  if (at < 1) return null;
  const domainName = address.slice(at + 1).toLowerCase();
  const local = address.slice(0, at).toLowerCase();
  const exact = `${local}@${domainName}`;
  // The domain and the exact address's account in one statement (every login and Send asks).
  const [hit] = await domainAndOwner(db, { domain: domainName, address: exact });
  if (!hit) return null;
  const domain = hit.domain;
  if (hit.account) return { account: hit.account, domain, address: exact };
  const sep = domain.catchallSeparator;
  if (sep && local.includes(sep)) {
    const c = `${local.slice(0, local.indexOf(sep))}@${domainName}`;
    const [row] = await accountByAddress(db, { address: c });
    if (row) return { account: row.account, domain, address: c };
  }
  return null;
}

/** The mailbox of an account with a role (Inbox, Sent, ...) or name. */
export async function findMailbox(
  db: DbOrTx,
  accountId: number,
  by: { role: MailboxRole } | { name: string },
): Promise<typeof mailboxes.$inferSelect | null> {
  const cond = "role" in by ? eq(mailboxes.role, by.role) : sql`lower(${mailboxes.name}) = lower(${by.name})`;
  const [row] = await db.select().from(mailboxes).where(and(eq(mailboxes.accountId, accountId), cond));
  return row ?? null;
}
