/**
 * Postwire extensions with the webapi's conventions: MessageList (newest first, filtered, paged
 * with an opaque cursor) and MessageWait (long-polls for the first message received after an
 * event-log cursor, so tests wait for mail instead of sleeping). MessageWait reads the `incoming`
 * events of the account, which are gap-free in commit order, and wakes on eventLog.onWake.
 */
import { decodeCursor, startCursor, type Cursor } from "../../events/index.js";
import { findMailbox, listMessageSummaries, type MessageSummary } from "../../store/index.js";
import type { ApiDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { orderFlags } from "../flags.js";
import { defineMethod, type ApiMethod, type CallContext } from "../registry.js";
import { nameAddressT } from "../types.js";
import { t, type Infer } from "../wire.js";

/** The MessageSummary wire type (also MessageSearch's). */
export const summaryT = t.struct("MessageSummary", {
  MsgID: t.int,
  Received: t.time,
  MailboxName: t.string,
  Size: t.int,
  Flags: t.list(t.string),
  MailFrom: t.string,
  RcptTo: t.string,
  From: t.list(nameAddressT),
  To: t.list(nameAddressT),
  Subject: t.string,
  MessageID: t.string,
});
type Summary = Infer<typeof summaryT>;

const listRequestT = t.struct("MessageListRequest", {
  Mailbox: t.string,
  Address: t.string,
  Text: t.string,
  ReceivedAfter: t.nullable(t.time),
  ReceivedBefore: t.nullable(t.time),
  Limit: t.int,
  Cursor: t.string,
});

const waitRequestT = t.struct("MessageWaitRequest", { Cursor: t.string, Address: t.string, Subject: t.string, Text: t.string, Timeout: t.int });

/** A store summary as the webapi sends it. */
export function summary(m: MessageSummary): Summary {
  return {
    MsgID: m.id,
    Received: m.receivedAt,
    MailboxName: m.mailboxName,
    Size: m.size,
    Flags: orderFlags(m.flags),
    MailFrom: m.envelope.mailFrom,
    RcptTo: m.envelope.rcptTo,
    From: m.from,
    To: m.to,
    Subject: m.subject,
    MessageID: m.messageIdHeader,
  };
}

// MessageList cursors: the last id of a page, opaque to clients.
export const encodeListCursor = (id: number): string => Buffer.from(`list.${id}`).toString("base64url");
export function decodeListCursor(s: string): number | undefined {
  if (s === "") return undefined;
  const m = /^list\.(\d{1,15})$/.exec(Buffer.from(s, "base64url").toString());
  if (!m) throw new ApiError("user", "invalid cursor");
  return Number(m[1]);
}

/** MessageList and MessageWait. */
export function messageListRoutes(deps: ApiDeps): ApiMethod[] {
  const { db } = deps.database;

  async function waitFor(call: CallContext, req: Infer<typeof waitRequestT>) {
    if (req.Timeout < 0 || req.Timeout > 60) throw new ApiError("user", "Timeout must be between 0 (meaning 60) and 60 seconds");
    const deadline = Date.now() + (req.Timeout || 60) * 1000;
    let after: Cursor = req.Cursor === "" ? startCursor : decodeCursor(req.Cursor);
    let cursor = req.Cursor;
    let woken = false;
    let wake: (() => void) | null = null;
    const off = deps.eventLog.onWake((accountId) => {
      if (accountId !== call.account.id) return;
      woken = true;
      wake?.();
    });
    try {
      for (;;) {
        woken = false;
        for (let more = true; more && !call.signal.aborted; ) {
          const events = await deps.eventLog.read({
            accountId: call.account.id,
            after,
            kinds: ["incoming"],
            addresses: req.Address ? [req.Address] : undefined,
            limit: 100,
            withPayload: false, // only the message ids are needed

          });
          more = events.length === 100;
          // One summary query per page of events, filtered by the database: no message body
          // is read, whatever the size of the messages waited for.
          const ids = events.flatMap((ev) => (ev.messageId ? [ev.messageId] : []));
          const found = await listMessageSummaries(db, {
            accountId: call.account.id,
            ids,
            subject: req.Subject || undefined,
            text: req.Text || undefined,
            limit: ids.length,
          });
          const byId = new Map(found.map((m) => [m.id, m]));
          for (const ev of events) {
            after = decodeCursor(ev.cursor);
            cursor = ev.cursor;
            const m = ev.messageId ? byId.get(ev.messageId) : undefined;
            if (m) return { Message: summary(m), Cursor: cursor };
          }
        }
        const left = deadline - Date.now();
        if (left <= 0 || call.signal.aborted) return { Message: null, Cursor: cursor };
        // Wake on a commit for this account; poll each second as well, since a row becomes
        // readable only when older transactions have finished (the event log's gap rule).
        if (!woken) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              clearTimeout(timer);
              call.signal.removeEventListener("abort", done);
              resolve();
            };
            const timer = setTimeout(done, Math.min(left, 1000));
            call.signal.addEventListener("abort", done, { once: true });
            wake = done;
          });
          wake = null;
        }
      }
    } finally {
      off();
    }
  }

  return [
    defineMethod({
      name: "MessageList",
      summary: "Lists messages newest first, filtered by mailbox, address, text and time received; paged with Cursor.",
      extension: true,
      request: listRequestT,
      response: t.struct("MessageListResult", { Messages: t.list(summaryT), NextCursor: t.string }),
      async handle(call, req) {
        if (req.Limit < 0) throw new ApiError("user", "Limit must not be negative");
        const limit = Math.min(req.Limit || 50, 1000);
        if (req.Mailbox && !(await findMailbox(db, call.account.id, { name: req.Mailbox }))) {
          throw new ApiError("user", `mailbox ${JSON.stringify(req.Mailbox)} does not exist`);
        }
        const rows = await listMessageSummaries(db, {
          accountId: call.account.id,
          mailboxName: req.Mailbox || undefined,
          address: req.Address || undefined,
          text: req.Text || undefined,
          receivedAfter: req.ReceivedAfter ?? undefined,
          receivedBefore: req.ReceivedBefore ?? undefined,
          beforeId: decodeListCursor(req.Cursor),
          limit: limit + 1,
        });
        const page = rows.slice(0, limit);
        return { Messages: page.map(summary), NextCursor: rows.length > limit ? encodeListCursor(page[page.length - 1]!.id) : "" };
      },
    }),
    defineMethod({
      name: "MessageWait",
      summary: "Waits up to Timeout seconds (0 = 60) for the first message received after Cursor that matches; returns it and a new Cursor.",
      extension: true,
      request: waitRequestT,
      response: t.struct("MessageWaitResult", { Message: t.nullable(summaryT), Cursor: t.string }),
      handle: waitFor,
    }),
  ];
}
