/**
 * The message list of one mailbox: newest first, a page at a time, with a checkbox per row
 * for delete and read/unread, and "delete all" behind a confirmation. Rows are also served
 * alone (`rows`), for the script that adds newly arrived mail without a reload.
 */
import type { MailboxRow } from "../store/index.js";
import { formatSize, formatTime, h, raw, type Html } from "./html.js";

/** One mailbox page's data. */
export type InboxView = {
  mailbox: { id: number; name: string; total: number; unread: number };
  rows: MailboxRow[];
  /** The id to page from ("older"), or null on the last page. */
  nextBefore: number | null;
  /** True on the first page (where live rows are added). */
  first: boolean;
  csrf: string;
  now: Date;
  /** The search query shown in the box. */
  query?: string;
  /** Why the query could not run (shown above the list). */
  problem?: string;
};

// A paperclip drawn inline (emoji fonts are often missing).
const clip = raw(
  `<svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5 8.6 14.4a2 2 0 0 0 2.8 2.8l8.1-8.1a4 4 0 0 0-5.7-5.7l-8.3 8.3a6 6 0 0 0 8.5 8.5l7.4-7.4" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`,
);

function addressText(list: { Name: string; Address: string }[], fallback: string): string {
  if (!list.length) return fallback;
  return list.map((a) => a.Name || a.Address).join(", ");
}

/** One row of the list (a list item holding a checkbox and a link). */
export function messageRow(m: MailboxRow, now: Date): Html {
  const unread = !m.flags.includes("\\seen");
  const from = addressText(m.from, m.msgFrom || m.envelope.mailFrom || "(no sender)");
  const to = addressText(m.to, m.envelope.rcptTo);
  const label = `${unread ? "Unread. " : ""}From ${from}. ${m.subject || "(no subject)"}`;
  return h`<li class="msg${unread ? " unread" : ""}" data-id="${String(m.id)}">
<input type="checkbox" name="id" value="${String(m.id)}" form="actions" aria-label="Select: ${label}">
<a href="/ui/message/${String(m.id)}" aria-label="${label}">
<span class="from">${from}</span>
<span class="to">to ${to}</span>
<span class="subject">${m.subject || "(no subject)"}</span>
<span class="snippet">${m.parseError ? `(not parsed: ${m.parseError})` : m.snippet}</span>
</a>
<span class="facts">${m.hasAttachment ? h`<span class="clip" title="Has attachments" role="img" aria-label="Has attachments">${clip}</span>` : ""}<time datetime="${m.receivedAt.toISOString()}" title="${m.receivedAt.toISOString()}">${formatTime(m.receivedAt, now)}</time><span class="size">${formatSize(m.size)}</span></span>
</li>`;
}

/** The list page's main content. */
export function inboxContent(v: InboxView): Html {
  const mb = v.mailbox;
  const q = v.query ?? "";
  return h`<div class="bar">
<h1>${mb.name} <span class="count-line">(<span id="total">${String(mb.total)}</span> messages, <span id="unread">${String(mb.unread)}</span> unread)</span></h1>
<form class="search" method="get" action="/" role="search">
<input type="hidden" name="mailbox" value="${String(mb.id)}">
<label class="visually-hidden" for="q">Search</label>
<input id="q" name="q" type="search" value="${q}" placeholder="Search: words, from:, to:, subject:, has:attachment, is:unread" accesskey="/">
<button>Search</button>
</form>
</div>
<form id="actions" method="post" action="/ui/messages">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="mailbox" value="${String(mb.id)}">
<div class="toolbar">
<button name="action" value="read">Mark read</button>
<button name="action" value="unread">Mark unread</button>
<button name="action" value="delete" class="danger">Delete selected</button>
</div>
</form>
<details class="delete-all">
<summary>Delete all…</summary>
<form method="post" action="/ui/mailbox/${String(mb.id)}/delete-all">
<input type="hidden" name="csrf" value="${v.csrf}">
<p>Delete all ${String(mb.total)} messages in ${mb.name}? This cannot be undone.</p>
<button class="danger" id="confirm-delete-all">Yes, delete all</button>
</form>
</details>
${v.problem ? h`<p class="warn" role="alert">${v.problem}</p>` : ""}
${q && !v.problem ? h`<p class="note" id="search-note">Search results for <strong>${q}</strong>. <a href="/?mailbox=${String(mb.id)}">Show all</a></p>` : ""}
${v.rows.length || v.first ? "" : h`<p>No more messages.</p>`}
<ol class="messages" id="messages" data-live="${v.first && !q ? "1" : "0"}" data-mailbox="${String(mb.id)}" data-max-id="${String(v.rows[0]?.id ?? 0)}">
${v.rows.map((m) => messageRow(m, v.now))}
</ol>
${v.rows.length === 0 && v.first ? h`<p class="empty" id="empty">${q ? "No message matches." : "No messages yet. Send one to any address on the SMTP port."}</p>` : ""}
<nav class="pager" aria-label="Pages">
${v.first ? "" : h`<a href="/?mailbox=${String(mb.id)}${q ? `&q=${encodeURIComponent(q)}` : ""}">Newest</a>`}
${v.nextBefore !== null ? h`<a href="/?mailbox=${String(mb.id)}&before=${String(v.nextBefore)}${q ? `&q=${encodeURIComponent(q)}` : ""}" rel="next">Older</a>` : ""}
</nav>`;
}
