// LEDGER (docs/guarantees.md): the client's record of every attempt (by attempt id, carried in the
// Subject) and the invariants checked against a database snapshot after every cycle.
import type { Channel, Outcome } from "./drivers.js";
import type { OutRow, Snapshot } from "./snapshot.js";

/** One attempt as the client saw it. */
export type AttemptRec = { id: string; outcome: Outcome; reply: string; cycle: number; ms?: number };
/** One logical message: the same nonce and Message-ID across its attempts. */
export type MsgRec = { nonce: string; channel: Channel; recipients: string[]; attempts: AttemptRec[]; done: boolean };

/** What the receiver (HOOK) saw: per X-Mox-Webhook-ID, the Standard Webhooks ids and the count. */
export type HookSeen = Map<number, { webhookIds: Set<string>; count: number; attempts: number[] }>;

/** Counters reported at the end. */
export type LedgerStats = {
  messages: number;
  attempts: Record<Outcome, number>;
  /** Cut attempts whose message had been committed (the duplicates RFC 5321 allows). */
  cutCommitted: number;
  cutLost: number;
  /** Copies delivered to the MX beyond one per outbound row (redelivery after a crash). */
  deliveryDuplicates: number;
};

/** The subject prefix that marks the harness's messages. */
export const subjectPrefix = "torture ";

/** The client-side ledger. */
export class Ledger {
  readonly msgs: MsgRec[] = [];
  private readonly byAttempt = new Map<string, { msg: MsgRec; att: AttemptRec }>();
  /** Cycle numbers at which the server was killed (bounds delivery duplicates). */
  readonly kills: number[] = [];

  add(msg: MsgRec): void {
    this.msgs.push(msg);
  }

  record(msg: MsgRec, att: AttemptRec): void {
    msg.attempts.push(att);
    this.byAttempt.set(att.id, { msg, att });
  }

  /**
   * Checks the invariants; returns violations (empty when clean). `drained` adds the idle ones:
   * queues empty, every queued recipient delivered, every webhook retired and seen by HOOK.
   */
  check(s: Snapshot, o: { drained: boolean; hookSeen?: HookSeen }): { violations: string[]; stats: LedgerStats } {
    const v: string[] = [];
    const stats: LedgerStats = { messages: this.msgs.length, attempts: { acked: 0, refused: 0, cut: 0, unsent: 0 }, cutCommitted: 0, cutLost: 0, deliveryDuplicates: 0 };
    const key = (subject: string, rcpt: string) => `${subject}\0${rcpt}`;
    const count = <T>(rows: T[], k: (r: T) => string) => {
      const m = new Map<string, T[]>();
      for (const r of rows) m.set(k(r), [...(m.get(k(r)) ?? []), r]);
      return m;
    };
    const inbox = s.messages.filter((m) => m.role === "inbox" && m.subject.startsWith(subjectPrefix));
    const stored = count(inbox, (m) => key(m.subject, m.rcpt));
    const outbound = s.outbound.filter((r) => r.subject.startsWith(subjectPrefix));
    const queued = count(outbound, (r) => key(r.subject, r.recipient));

    // Phantoms: rows for an attempt the client never made.
    for (const r of [...inbox, ...outbound]) {
      const id = r.subject.slice(subjectPrefix.length);
      if (!this.byAttempt.has(id)) v.push(`row for unknown attempt ${id}`);
    }

    for (const msg of this.msgs) {
      for (const att of msg.attempts) {
        stats.attempts[att.outcome]++;
        const subject = subjectPrefix + att.id;
        const where = msg.channel === "mx" ? stored : queued;
        const n = msg.recipients.map((r) => where.get(key(subject, r))?.length ?? 0);
        const what = `${msg.channel} attempt ${att.id} (${att.outcome}: ${att.reply.slice(0, 80)})`;
        if (att.outcome === "acked" && n.some((x) => x !== 1)) v.push(`${what}: stored ${n.join("/")} times, want 1 per recipient`);
        if ((att.outcome === "refused" || att.outcome === "unsent") && n.some((x) => x !== 0)) v.push(`${what}: stored ${n.join("/")} times, want 0`);
        if (att.outcome === "cut") {
          if (n.some((x) => x > 1) || new Set(n).size > 1) v.push(`${what}: stored ${n.join("/")} times, want all 0 or all 1`);
          else if (n[0] === 1) stats.cutCommitted++;
          else stats.cutLost++;
        }
        if (msg.channel !== "mx") this.checkDelivery(msg, att, queued, stored, o.drained, v, stats);
      }
    }
    this.checkEvents(s, v);
    if (s.webhooks) this.checkWebhooks(s, o, v);
    if (o.drained) {
      const live = s.jobs.filter((j) => !j.kind.startsWith("cleanup"));
      if (live.length) v.push(`queue not drained: ${live.length} jobs (${[...new Set(live.map((j) => j.kind))].join(",")})`);
      const q = s.outbound.filter((r) => r.status === "queued");
      if (q.length) v.push(`outbound not drained: ${q.length} queued rows, e.g. ${q[0]!.subject} → ${q[0]!.recipient}`);
    }
    return { violations: v, stats };
  }

  /**
   * A queued recipient reaches the MX once (plus one per crash after it was queued); a row
   * marked delivered has its copy; a failed one only for a recipient scripted to fail first
   * (restarts reset localserve's scripted sequences, so retries can run out).
   */
  private checkDelivery(msg: MsgRec, att: AttemptRec, queued: Map<string, OutRow[]>, stored: Map<string, unknown[]>, drained: boolean, v: string[], stats: LedgerStats): void {
    const crashes = this.kills.filter((k) => k >= att.cycle).length;
    for (const r of msg.recipients) {
      const rows = queued.get(`${subjectPrefix}${att.id}\0${r}`) ?? [];
      const copies = stored.get(`${subjectPrefix}${att.id}\0${r}`)?.length ?? 0;
      const delivered = rows.filter((x) => x.status === "delivered").length;
      if (copies > rows.length * (1 + crashes)) v.push(`attempt ${att.id} → ${r}: ${copies} copies at the MX for ${rows.length} queued rows and ${crashes} crashes`);
      if (copies < delivered) v.push(`attempt ${att.id} → ${r}: ${delivered} rows delivered, ${copies} copies at the MX`);
      const failed = rows.filter((x) => x.status !== "delivered" && x.status !== "queued");
      if (failed.length && !/\+\d{3}-/.test(r)) v.push(`attempt ${att.id} → ${r}: ${failed.length} rows ${failed[0]!.status} for a deliverable recipient`);
      if (drained && rows.length > delivered + failed.length) v.push(`attempt ${att.id} → ${r}: queued ${rows.length}, still queued when idle`);
      stats.deliveryDuplicates += Math.max(0, copies - rows.length);
    }
  }

  /** Every stored message has exactly one incoming event; every queued row one `queued` event. */
  private checkEvents(s: Snapshot, v: string[]): void {
    const incoming = new Map<number, number>();
    const outgoing = new Map<string, number>();
    for (const e of s.events) {
      if (e.kind === "incoming" && e.messageId !== null) incoming.set(e.messageId, (incoming.get(e.messageId) ?? 0) + 1);
      if (e.queueMsgId !== null) outgoing.set(`${e.queueMsgId}:${e.kind}`, (outgoing.get(`${e.queueMsgId}:${e.kind}`) ?? 0) + 1);
    }
    const ids = new Set(s.messages.map((m) => m.id));
    for (const m of s.messages) {
      // DSNs about our own outgoing mail are stored straight into the sender's Inbox (mox
      // queue/dsn.go, listener "queue"); their event is the outgoing delayed/failed one.
      if (m.role !== "inbox" || m.expunged || m.listener === "queue") continue;
      const n = incoming.get(m.id) ?? 0;
      if (n !== 1) v.push(`message ${m.id} (${m.subject}) has ${n} incoming events, want 1`);
    }
    for (const id of incoming.keys()) if (!ids.has(id)) v.push(`incoming event for missing message ${id}`);
    for (const r of s.outbound) {
      const q = outgoing.get(`${r.id}:queued`) ?? 0;
      if (q !== 1) v.push(`outbound ${r.id} (${r.subject}) has ${q} queued events, want 1`);
      const d = outgoing.get(`${r.id}:delivered`) ?? 0;
      if (r.status === "delivered" && d !== 1) v.push(`outbound ${r.id} (${r.subject}) delivered with ${d} delivered events, want 1`);
    }
  }

  /** Every event gets its webhook in the same transaction; drained: every one reached HOOK with one webhook-id. */
  private checkWebhooks(s: Snapshot, o: { drained: boolean; hookSeen?: HookSeen }, v: string[]): void {
    const hooks = s.webhooks!;
    const byEvent = new Map<number, number>();
    for (const h of hooks) if (h.eventId !== null && h.originId === null) byEvent.set(h.eventId, (byEvent.get(h.eventId) ?? 0) + 1);
    for (const e of s.events) {
      const want = e.kind === "incoming" ? Boolean(s.webhookUrls?.incoming) : e.kind !== "queued" && Boolean(s.webhookUrls?.outgoing);
      const n = byEvent.get(e.id) ?? 0;
      if (want && n !== 1) v.push(`${e.kind} event ${e.id} has ${n} webhooks, want 1`);
      else if (n > 1) v.push(`event ${e.id} has ${n} webhooks`);
    }
    if (!o.drained) return;
    for (const h of hooks) {
      if (h.status === "pending") v.push(`webhook ${h.id} still pending when idle`);
      if (h.status !== "delivered" || !o.hookSeen) continue;
      const seen = o.hookSeen.get(h.originId ?? h.id);
      // E4: the attempt is counted before the POST, so a crash never repeats an attempt number.
      if (seen && new Set(seen.attempts).size !== seen.attempts.length) v.push(`webhook ${h.id}: attempt numbers repeated (${seen.attempts.join(",")})`);
      if (!seen) v.push(`webhook ${h.id} delivered but never seen by the receiver`);
      else if (seen.webhookIds.size !== 1 || !seen.webhookIds.has(h.webhookId)) {
        v.push(`webhook ${h.id}: receiver saw webhook-ids ${[...seen.webhookIds].join(",")}, want ${h.webhookId}`);
      }
    }
  }
}
