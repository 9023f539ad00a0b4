// Per-account daily sending limits (mox store.Account.SendLimitReached): messages in the last
// 24 hours and first-time recipients. Every submission records its recipients (webapi and SMTP:
// Postwire counts both, see the decisions table). SQL on outgoing_recipients lives here.
import { and, count, eq, gt, inArray, sql } from "drizzle-orm";
import { placeholderValue, statement, type DbOrTx, schema } from "../db/index.js";
import { getAccount, type Account } from "../store/index.js";
import type { SendLimit } from "./types.js";

const { outgoingRecipients: or } = schema;
const day = 86_400_000;

// Every Send and submission runs these two: built once (db/statements.ts).
const recordOne = statement<{ accountId: number; recipient: string; submittedAt: Date }, unknown>("record_recipient", (d) =>
  d.insert(or).values({ accountId: placeholderValue("accountId"), recipient: placeholderValue("recipient"), submittedAt: placeholderValue("submittedAt") }),
);
// A placeholder in a condition gets no column encoder: the time goes as ISO text.
const sentSince = statement<{ accountId: number; since: string }, { n: number }[]>("sent_since", (d) =>
  d
    .select({ n: count() })
    .from(or)
    .where(and(eq(or.accountId, sql.placeholder("accountId")), gt(or.submittedAt, sql.placeholder("since")))),
);

/** Records the recipients of an accepted submission (inside its transaction). */
export async function recordRecipients(tx: DbOrTx, accountId: number, recipients: string[], now: Date): Promise<void> {
  if (recipients.length === 0) return;
  if (recipients.length === 1) return void (await recordOne(tx, { accountId, recipient: recipients[0]!.toLowerCase(), submittedAt: now }));
  await tx.insert(or).values(recipients.map((r) => ({ accountId, recipient: r.toLowerCase(), submittedAt: now })));
}

/**
 * Whether sending to `recipients` now would pass a limit: the message count (default 1000 a
 * day) or, once that many messages could matter, the first-time recipients (default 200).
 */
export async function checkSendLimits(db: DbOrTx, accountOrId: number | Account, recipients: string[], now: Date): Promise<SendLimit> {
  const account = typeof accountOrId === "number" ? await getAccount(db, accountOrId) : accountOrId;
  if (!account) return null;
  const accountId = account.id;
  const msgMax = account.settings.maxOutgoingMessagesPerDay || 1000;
  const rcptMax = account.settings.maxFirstTimeRecipientsPerDay || 200;
  const since = new Date(now.getTime() - day);
  const [sent] = await sentSince(db, { accountId, since: since.toISOString() });
  const n = sent?.n ?? 0;
  if (n + recipients.length > msgMax) return "messageLimitReached";
  // Only worth counting first-time recipients when enough messages could reach the limit.
  if (n + recipients.length < rcptMax) return null;
  const first = (await newRecipients(db, accountId, recipients)) + (await firstTimeInWindow(db, accountId, since));
  return first > rcptMax ? "recipientLimitReached" : null;
}

/** How many of `recipients` (counting repeats, as mox does) were never sent to before. */
async function newRecipients(db: DbOrTx, accountId: number, recipients: string[]): Promise<number> {
  const lower = recipients.map((r) => r.toLowerCase());
  const known = await db
    .selectDistinct({ r: or.recipient })
    .from(or)
    .where(and(eq(or.accountId, accountId), inArray(or.recipient, lower)));
  const seen = new Set(known.map((k) => k.r));
  return lower.filter((r) => !seen.has(r)).length;
}

/** Recipients of the last 24 hours that were first sent to within them. */
async function firstTimeInWindow(db: DbOrTx, accountId: number, since: Date): Promise<number> {
  const rows = await db.execute(sql`
    select count(*)::int as n from (
      select recipient from outgoing_recipients
      where account_id = ${accountId}
        and recipient in (select recipient from outgoing_recipients where account_id = ${accountId} and submitted_at > ${since.toISOString()}::timestamptz)
      group by recipient
      having min(submitted_at) > ${since.toISOString()}::timestamptz) x`);
  return Number((rows as unknown as { n: number }[])[0]?.n ?? 0);
}
