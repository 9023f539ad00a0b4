// What the LEDGER reads from the server's database: every row that tells whether an
// acknowledged message is stored, evented, webhooked and delivered, in one read-only pass.
import type { Database } from "../../../src/db/index.js";

/** A stored message (any mailbox). */
export type MsgRow = { id: number; role: string | null; rcpt: string; subject: string; expunged: boolean; listener: string };
/** An event of the durable log. */
export type EventRow = { id: number; kind: string; messageId: number | null; queueMsgId: number | null };
/** An outgoing queue message (one per recipient). */
export type OutRow = { id: number; recipient: string; subject: string; status: string };
/** A queue job. */
export type JobRow = { id: number; kind: string; lockedBy: string | null; runAt: Date };
/** A webhook, pending or retired. */
export type HookRow = { id: number; originId: number | null; webhookId: string; kind: string; eventId: number | null; status: string };

/** Everything one ledger check needs. */
export type Snapshot = {
  messages: MsgRow[];
  events: EventRow[];
  outbound: OutRow[];
  jobs: JobRow[];
  /** null when webhooks are not configured for any account (the checks stay off). */
  webhooks: HookRow[] | null;
  webhookUrls: { incoming: string; outgoing: string } | null;
};

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Reads a snapshot in one REPEATABLE READ transaction (a consistent view even while the server runs). */
export async function readSnapshot(database: Database): Promise<Snapshot> {
  return database.sql.begin("isolation level repeatable read read only", async (sql) => {
    const messages = await sql`select m.id, mb.role, coalesce(m.envelope->>'rcptTo','') as rcpt, m.subject, m.expunged,
      coalesce(m.envelope->>'listener','') as listener from messages m join mailboxes mb on mb.id = m.mailbox_id`;
    const events = await sql`select id, kind, message_id, queue_msg_id from events`;
    const outbound = await sql`select id, recipient, subject, status from outbound_messages`;
    const jobs = await sql`select id, kind, locked_by, run_at from jobs`;
    const [hasHooks] = await sql`select to_regclass('public.webhooks') is not null as t, to_regclass('public.webhook_configs') is not null as c`;
    let webhooks: HookRow[] | null = null;
    let webhookUrls: Snapshot["webhookUrls"] = null;
    if (hasHooks?.t && hasHooks.c) {
      const [cfg] = await sql`select incoming_url, outgoing_url from webhook_configs where incoming_url <> '' or outgoing_url <> '' limit 1`;
      if (cfg) {
        webhookUrls = { incoming: String(cfg.incoming_url), outgoing: String(cfg.outgoing_url) };
        const rows = await sql`select id, origin_id, webhook_id, kind, event_id, status from webhooks`;
        webhooks = rows.map((r) => ({
          id: Number(r.id),
          originId: num(r.origin_id),
          webhookId: String(r.webhook_id),
          kind: String(r.kind),
          eventId: num(r.event_id),
          status: String(r.status),
        }));
      }
    }
    return {
      messages: messages.map((r) => ({ id: Number(r.id), role: r.role as string | null, rcpt: String(r.rcpt).toLowerCase(), subject: String(r.subject), expunged: Boolean(r.expunged), listener: String(r.listener) })),
      events: events.map((r) => ({ id: Number(r.id), kind: String(r.kind), messageId: num(r.message_id), queueMsgId: num(r.queue_msg_id) })),
      outbound: outbound.map((r) => ({ id: Number(r.id), recipient: String(r.recipient).toLowerCase(), subject: String(r.subject), status: String(r.status) })),
      jobs: jobs.map((r) => ({ id: Number(r.id), kind: String(r.kind), lockedBy: r.locked_by as string | null, runAt: new Date(r.run_at as string) })),
      webhooks,
      webhookUrls,
    };
  });
}
