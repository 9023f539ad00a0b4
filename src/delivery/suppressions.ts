// The per-account suppression list (mox queue/suppression.go, docs/contract.md §1.5 and §3.5):
// entries keyed by base address, manual or added automatically after delivery failures.
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { statement, type DbOrTx, type Tx, schema } from "../db/index.js";
import { baseAddress, formatAddress, parseAddress, type EmailAddress } from "../smtp/index.js";
import { DeliveryError } from "./errors.js";
import { lastTwoFailed } from "./queries.js";
import type { Suppression, Suppressions } from "./types.js";

const { suppressions: sup } = schema;

function parse(address: string): EmailAddress {
  try {
    return parseAddress(address);
  } catch (err) {
    throw new DeliveryError("badAddress", `parsing address ${JSON.stringify(address)}`, { cause: err });
  }
}

function toSuppression(r: typeof sup.$inferSelect): Suppression {
  return { ...r };
}

/** The suppression list operations; addresses map to their base address (mox rules). */
export const suppressionList: Suppressions = {
  async list(db, accountId) {
    const rows = await db.select().from(sup).where(eq(sup.accountId, accountId)).orderBy(asc(sup.id));
    return rows.map(toSuppression);
  },
  async add(tx, accountId, address, manual, reason) {
    const row = await insert(tx, accountId, parse(address), manual, reason);
    if (!row) throw new DeliveryError("error", `address ${baseAddress(parse(address))} is already on the suppression list`);
    return toSuppression(row);
  },
  async remove(tx, accountId, address) {
    const base = baseAddress(parse(address));
    const r = await tx
      .delete(sup)
      .where(and(eq(sup.accountId, accountId), eq(sup.baseAddress, base)))
      .returning({ id: sup.id });
    if (r.length === 0) throw new DeliveryError("error", `address ${base} is not on the suppression list`);
  },
  async present(db, accountId, address) {
    return (await lookup(db, accountId, address)) !== null;
  },
};

/** Inserts an entry; null when its base address is already listed (no error, no abort). */
async function insert(tx: DbOrTx, accountId: number, a: EmailAddress, manual: boolean, reason: string): Promise<typeof sup.$inferSelect | null> {
  const [row] = await tx
    .insert(sup)
    .values({ accountId, baseAddress: baseAddress(a), originalAddress: formatAddress(a), manual, reason })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

/** Suppresses a recipient after a complaint (ARF abuse report); false when it was already listed. */
export async function suppressComplaint(tx: Tx, accountId: number, recipient: string, feedbackType: string): Promise<boolean> {
  return (await insert(tx, accountId, parse(recipient), false, `complaint (feedback report, type ${JSON.stringify(feedbackType)})`)) !== null;
}

/** The entry covering an address (any variant of its base address), or null. */
export async function lookup(db: DbOrTx, accountId: number, address: string): Promise<Suppression | null> {
  const base = baseAddress(parse(address));
  const [row] = await db
    .select()
    .from(sup)
    .where(and(eq(sup.accountId, accountId), eq(sup.baseAddress, base)));
  return row ? toSuppression(row) : null;
}

// Looked up before every delivery attempt (one recipient is the common case): built once.
const suppressedOne = statement<{ accountId: number; base: string }, { base: string }[]>("suppressed_one", (d) =>
  d
    .select({ base: sup.baseAddress })
    .from(sup)
    .where(and(eq(sup.accountId, sql.placeholder("accountId")), eq(sup.baseAddress, sql.placeholder("base")))),
);

/** Which of `recipients` (valid addresses) are on the account's list, in one query. */
export async function suppressedAmong(db: DbOrTx, accountId: number, recipients: string[]): Promise<Set<string>> {
  const bases = recipients.map((r) => baseAddress(r));
  const rows =
    bases.length === 1
      ? await suppressedOne(db, { accountId, base: bases[0]! })
      : await db
          .select({ base: sup.baseAddress })
          .from(sup)
          .where(and(eq(sup.accountId, accountId), inArray(sup.baseAddress, bases)));
  const listed = new Set(rows.map((r) => r.base));
  return new Set(recipients.filter((_, i) => listed.has(bases[i]!)));
}

/**
 * mox isImmedateBlock: reply codes meaning the address will never take mail (521, 550, 551,
 * 553, 556), or a 5xx with an enhanced subcode about a bad or disabled address or policy.
 */
export function isImmediateBlock(code: number, secode: string): boolean {
  if ([521, 550, 551, 553, 556].includes(code)) return true;
  if (Math.floor(code / 100) !== 5) return false;
  return ["1.1", "1.2", "1.3", "1.6", "2.1", "7.1"].includes(secode);
}

/** A permanent failure to consider for automatic suppression. */
export type SuppressionCheck = {
  msgId: number;
  accountId: number;
  recipient: string;
  code: number;
  secode: string;
  source: "queue" | "DSN";
};

/**
 * mox suppressionProcess: adds the recipient's base address when the failure is an immediate
 * block, or when the two latest other retired messages to the same address also failed.
 * Returns true when an entry was added (the event then says `Suppressing: true`).
 */
export async function processFailure(tx: Tx, c: SuppressionCheck): Promise<boolean> {
  if (c.code === 0 || (await lookup(tx, c.accountId, c.recipient))) return false;
  let reason: string;
  if (isImmediateBlock(c.code, c.secode)) {
    reason = `delivery failure from ${c.source} with smtp code ${c.code}, enhanced code ${JSON.stringify(c.secode)}`;
  } else if (await lastTwoFailed(tx, c.recipient, c.msgId)) {
    reason = `delivery failure from ${c.source} and three consecutive failures`;
  } else {
    return false;
  }
  // A concurrent failure may have listed it meanwhile: then this one is not the one suppressing.
  return (await insert(tx, c.accountId, parse(c.recipient), false, reason)) !== null;
}
