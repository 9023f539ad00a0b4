/**
 * What only Postwire knows about sent mail: each outgoing message with its delivery timeline
 * (queued, every attempt with the remote host, TLS and SMTP reply, the outcome) and the
 * webhooks about it with their attempts; and the webhook log.
 */
import type { OutboundMessage } from "../delivery/index.js";
import type { WebhookAttempt, WebhookDetail, WebhookSummary } from "../webhooks/index.js";
import { h, type Html } from "./html.js";

/** Where a message stands (the queue methods' words). */
export function stateOf(m: OutboundMessage, now: Date): string {
  if (m.status !== "queued") return m.status;
  if (m.hold) return "held";
  if (m.nextAttemptAt > now) return m.attempts === 0 ? "scheduled" : "delayed";
  return "queued";
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString().replace("T", " ").slice(0, 19) : "-");

/** The list of sent messages, newest first. */
export function outgoingList(rows: OutboundMessage[], now: Date, nextBefore: number | null): Html {
  return h`<h1>Outgoing</h1>
<p class="note">Every message sent through the webapi or SMTP submission, one row per recipient, newest first.</p>
${rows.length ? "" : h`<p class="empty">Nothing sent yet.</p>`}
<table class="headers list"><thead><tr><th>Recipient</th><th>Subject</th><th>State</th><th>Attempts</th><th>Queued</th></tr></thead><tbody>
${rows.map(
  (m) => h`<tr><td><a href="/ui/outgoing/${String(m.id)}">${m.recipient}</a></td><td>${m.subject || "(no subject)"}</td><td><span class="state state-${stateOf(m, now)}">${stateOf(m, now)}</span></td><td>${String(m.attempts)}</td><td>${iso(m.queuedAt)}</td></tr>`,
)}
</tbody></table>
${nextBefore !== null ? h`<nav class="pager"><a href="/ui/outgoing?before=${String(nextBefore)}" rel="next">Older</a></nav>` : ""}`;
}

function attemptRow(n: number, r: OutboundMessage["results"][number]): Html {
  return h`<li class="${r.success ? "ok" : "bad"}"><strong>Attempt ${String(n)}</strong> ${iso(r.start)} (${String(r.durationMs)} ms)${r.host ? ` to ${r.host}` : ""}${r.tls === undefined ? "" : r.tls ? ", TLS" : ", no TLS"}:
${r.success ? "delivered" : "failed"}${r.code ? ` ${r.code}` : ""}${r.secode ? ` ${Math.floor(r.code / 100) || 4}.${r.secode}` : ""}${r.error ? h`<br><code>${r.error}</code>` : ""}</li>`;
}

/** One sent message: its timeline, queue actions and webhooks. */
export function outgoingDetail(m: OutboundMessage, hooks: WebhookSummary[], now: Date, csrf: string): Html {
  const state = stateOf(m, now);
  const id = String(m.id);
  const final = m.status === "queued" ? "" : m.status;
  return h`<p><a href="/ui/outgoing">Outgoing</a> / ${id}</p>
<h1>${m.subject || "(no subject)"}</h1>
<dl class="summary">
<dt>To</dt><dd>${m.recipient}</dd>
<dt>MAIL FROM</dt><dd>${m.mailFrom || "<>"}</dd>
<dt>Message-ID</dt><dd>${m.messageId || "-"}</dd>
<dt>State</dt><dd><span class="state state-${state}" id="state">${state}</span></dd>
</dl>
${m.status === "queued"
  ? h`<form method="post" action="/ui/outgoing/${id}/action" class="toolbar">
<input type="hidden" name="csrf" value="${csrf}">
<button name="action" value="retry">Retry now</button>
<button name="action" value="cancel" class="danger">Cancel delivery</button>
</form>`
  : ""}
<section><h2>Timeline</h2>
<ol class="timeline" id="timeline">
<li><strong>Queued</strong> ${iso(m.queuedAt)}</li>
${m.results.map((r, i) => attemptRow(i + 1, r))}
${m.status === "queued" && state !== "held" ? h`<li class="note">Next attempt ${iso(m.nextAttemptAt)}</li>` : ""}
${state === "held" ? h`<li class="note">Held: no attempt until released</li>` : ""}
${final ? h`<li class="${final === "delivered" ? "ok" : "bad"}"><strong>${final}</strong>${m.lastAttemptAt ? ` ${iso(m.lastAttemptAt)}` : ""}${final === "failed" ? h` — a delivery status notification (DSN) went to the sender` : ""}</li>` : ""}
</ol></section>
<section><h2>Webhooks</h2>
${hooks.length ? webhookTable(hooks, csrf) : h`<p class="note">No outgoing webhook is configured, or none was made for this message yet.</p>`}
</section>`;
}

function lastResult(r: WebhookAttempt | null): string {
  if (!r) return "-";
  return `${r.success ? "ok" : "failed"}${r.code ? ` ${r.code}` : ""} in ${r.durationMs} ms${r.error ? `: ${r.error}` : ""}`;
}

/** Webhooks with their last result and a redeliver button each. */
export function webhookTable(hooks: WebhookSummary[], csrf: string): Html {
  return h`<table class="headers list webhooks"><thead><tr><th>Event</th><th>Status</th><th>Attempts</th><th>Last result</th><th>Created</th><th></th></tr></thead><tbody>
${hooks.map(
  (w) => h`<tr data-webhook="${String(w.id)}"><td><a href="/ui/webhooks/${String(w.id)}">${w.kind} ${w.event}</a></td><td>${w.status}</td><td>${String(w.attempts)}</td><td>${lastResult(w.lastResult)}</td><td>${iso(w.createdAt)}</td>
<td><form method="post" action="/ui/webhooks/${String(w.id)}/redeliver" class="inline"><input type="hidden" name="csrf" value="${csrf}"><button>Redeliver</button></form></td></tr>`,
)}
</tbody></table>`;
}

/** The webhook log with its filters and the test form. */
export function webhookLog(
  hooks: WebhookSummary[],
  f: { kind: string; event: string; status: string },
  next: string,
  csrf: string,
  test: Html | "",
): Html {
  const opt = (value: string, current: string, label = value || "any") => h`<option value="${value}"${value === current ? h` selected` : ""}>${label}</option>`;
  const q = (cursor: string) => `/ui/webhooks?${new URLSearchParams({ ...f, cursor }).toString()}`;
  return h`<h1>Webhooks</h1>
<form method="get" action="/ui/webhooks" class="toolbar filters">
<label>Kind <select name="kind">${["", "incoming", "outgoing"].map((k) => opt(k, f.kind))}</select></label>
<label>Event <select name="event">${["", "incoming", "delivered", "delayed", "failed", "suppressed", "relayed", "expanded", "canceled", "unrecognized"].map((e) => opt(e, f.event))}</select></label>
<label>Result <select name="status">${["", "pending", "delivered", "failed", "superseded", "canceled"].map((s) => opt(s, f.status))}</select></label>
<button>Filter</button>
</form>
<form method="post" action="/ui/webhooks/test" class="toolbar">
<input type="hidden" name="csrf" value="${csrf}">
<label>Send a test event <select name="kind">${opt("incoming", "incoming")}${opt("outgoing", "")}</select></label>
<button id="send-test">Send test event</button>
</form>
${test}
${hooks.length ? webhookTable(hooks, csrf) : h`<p class="empty">No webhooks match.</p>`}
${next ? h`<nav class="pager"><a href="${q(next)}" rel="next">Older</a></nav>` : ""}`;
}

/** One webhook: its request body and every attempt with the response. */
export function webhookDetail(w: WebhookDetail, csrf: string): Html {
  return h`<p><a href="/ui/webhooks">Webhooks</a> / ${String(w.id)}</p>
<h1>${w.kind} ${w.event}</h1>
<dl class="summary"><dt>URL</dt><dd>${w.url}</dd><dt>Status</dt><dd>${w.status}</dd><dt>Webhook-ID</dt><dd>${w.webhookId}</dd>
${w.queueMsgId ? h`<dt>Message</dt><dd><a href="/ui/outgoing/${String(w.queueMsgId)}">outgoing ${String(w.queueMsgId)}</a></dd>` : ""}
${w.messageId ? h`<dt>Message</dt><dd><a href="/ui/message/${String(w.messageId)}">received ${String(w.messageId)}</a></dd>` : ""}</dl>
<form method="post" action="/ui/webhooks/${String(w.id)}/redeliver" class="toolbar"><input type="hidden" name="csrf" value="${csrf}"><button>Redeliver</button></form>
<h2>Attempts</h2>
${w.results.length ? h`<ol class="timeline">${w.results.map((r) => h`<li class="${r.success ? "ok" : "bad"}">${iso(r.start)}: ${lastResult(r)}${r.response ? h`<pre class="body-text">${r.response}</pre>` : ""}</li>`)}</ol>` : h`<p class="note">Not attempted yet.</p>`}
<h2>Request body</h2><pre class="body-text">${prettyJson(w.payload)}</pre>`;
}

function prettyJson(s: string): string {
  try {
    return JSON.stringify(JSON.parse(s), null, 2);
  } catch {
    return s;
  }
}
