// Per-recipient preferences of an account (docs/api.md "Preferences"): categories a recipient
// opted out of, or all categorized mail. Read at submission (an opted-out recipient's message is
// retired at once as `suppressed`), set by PreferencesSet and by one-click unsubscribe.
import { and, eq, inArray, sql } from "drizzle-orm";
import { schema, type DbOrTx, type Tx } from "../db/index.js";

const { recipientPreferences: rp } = schema;

/** A recipient's opt-outs; `all` covers every category. */
export type Preference = { address: string; optOut: string[]; all: boolean; updatedAt: Date | null };

/** Lowercased, as stored. */
export const preferenceKey = (address: string): string => address.toLowerCase();

/** The preferences of an address (empty when never set). */
export async function getPreference(db: DbOrTx, accountId: number, address: string): Promise<Preference> {
  const key = preferenceKey(address);
  const [r] = await db.select().from(rp).where(and(eq(rp.accountId, accountId), eq(rp.address, key)));
  return r ? { address: key, optOut: r.optOut, all: r.optOutAll, updatedAt: r.updatedAt } : { address: key, optOut: [], all: false, updatedAt: null };
}

/** Replaces an address's preferences (PreferencesSet); unsubscribe tokens issued before stop applying. */
export async function setPreference(tx: Tx, accountId: number, address: string, p: { optOut: string[]; all: boolean }, now: Date): Promise<Preference> {
  const key = preferenceKey(address);
  const optOut = [...new Set(p.optOut)].sort();
  await tx
    .insert(rp)
    .values({ accountId, address: key, optOut, optOutAll: p.all, setAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: [rp.accountId, rp.address], set: { optOut, optOutAll: p.all, setAt: now, updatedAt: now } });
  return { address: key, optOut, all: p.all, updatedAt: now };
}

/** Why a one-click opt-out did not change anything. */
export type OptOutResult = "added" | "already" | "stale";

/**
 * Adds one category to an address's opt-outs (one-click unsubscribe). `already` when it is
 * covered; `stale` when the preferences were set after the token was issued (a replayed old link
 * must not undo a later re-subscription). The row is locked for the check.
 */
export async function addOptOut(tx: Tx, accountId: number, address: string, category: string, issuedAt: Date, now: Date): Promise<OptOutResult> {
  const key = preferenceKey(address);
  await tx.insert(rp).values({ accountId, address: key, updatedAt: now }).onConflictDoNothing();
  const [r] = await tx
    .select()
    .from(rp)
    .where(and(eq(rp.accountId, accountId), eq(rp.address, key)))
    .for("update");
  if (r!.setAt && r!.setAt.getTime() > issuedAt.getTime()) return "stale";
  if (r!.optOutAll || r!.optOut.includes(category)) return "already";
  await tx
    .update(rp)
    .set({ optOut: sql`array(select distinct unnest(${rp.optOut} || array[${category}]::text[]) order by 1)`, updatedAt: now })
    .where(and(eq(rp.accountId, accountId), eq(rp.address, key)));
  return "added";
}

/**
 * Of `recipients`, the ones that opted out of any of `categories`, with the category that
 * applies ("all" for a blanket opt-out). One statement for the whole submission.
 */
export async function optedOut(db: DbOrTx, accountId: number, recipients: string[], categories: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (categories.length === 0 || recipients.length === 0) return out;
  const rows = await db
    .select({ address: rp.address, optOut: rp.optOut, all: rp.optOutAll })
    .from(rp)
    .where(and(eq(rp.accountId, accountId), inArray(rp.address, [...new Set(recipients.map(preferenceKey))])));
  for (const r of rows) {
    const hit = r.all ? "all" : categories.find((c) => r.optOut.includes(c));
    if (hit) out.set(r.address, hit);
  }
  return out;
}
