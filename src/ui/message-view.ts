/**
 * One message: the HTML body in a sandboxed iframe (its content response carries the CSP that
 * blocks scripts and remote loads), the text body, attachments with previews, the envelope and
 * TLS facts, authentication results, the header table and the start of the raw source.
 * Everything from the message is written through the escaping `h` tag.
 */
import type { ParsedMessage, Structure } from "../message/index.js";
import type { StoredMessage } from "../store/index.js";
import { formatSize, h, type Html } from "./html.js";

/** Longest text body and raw excerpt drawn in the page; the rest is one link away. */
export const displayLimit = 256 * 1024;

/** A leaf part worth listing (named, or not a body text). */
export type AttachmentPart = { path: number[]; structure: Structure };

/** Named leaf parts, and images, with their paths into Structure.Parts. */
export function attachmentParts(s: Structure, path: number[] = []): AttachmentPart[] {
  if (s.Parts.length) return s.Parts.flatMap((p, i) => attachmentParts(p, [...path, i]));
  if (s.Filename || s.ContentDisposition === "attachment" || (s.ContentType.startsWith("image/") && path.length)) return [{ path, structure: s }];
  return [];
}

/** Image types shown inline (raster only: an SVG is a document that can carry script). */
export const previewTypes = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp"]);

/** What the message page shows. */
export type MessageView = {
  m: StoredMessage & { mailboxName: string };
  parsed: ParsedMessage | null;
  csrf: string;
  images: boolean;
  /** Offer the Release form. */
  canRelease: boolean;
  /** The answer of a release just made. */
  released?: { ok: boolean; detail: string; to: string };
};

function addresses(list: { Name: string; Address: string }[]): string {
  return list.map((a) => (a.Name ? `${a.Name} <${a.Address}>` : a.Address)).join(", ");
}

function truncated(text: string, id: number, totalBytes = Buffer.byteLength(text)): Html {
  if (text.length <= displayLimit) return h`<pre class="body-text">${text}</pre>`;
  return h`<pre class="body-text">${text.slice(0, displayLimit)}</pre>
<p class="note">Shown: the first ${formatSize(displayLimit)} of ${formatSize(totalBytes)}. <a href="/ui/message/${String(id)}/raw">Show raw</a></p>`;
}

/** The message page's main content. */
export function messageContent(v: MessageView): Html {
  const { m, parsed: p } = v;
  const id = String(m.id);
  const unread = !m.flags.includes("\\seen");
  const parts = p ? attachmentParts(p.Structure) : [];
  const auth = (p?.Headers ?? []).filter(([n]) => /^(authentication-results|received-spf|arc-authentication-results)$/i.test(n));
  return h`<article class="message" data-id="${id}" data-unread="${unread ? "1" : "0"}">
<div class="bar">
<h1>${m.subject || p?.Subject || "(no subject)"}</h1>
<form method="post" action="/ui/messages" class="toolbar">
<input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="id" value="${id}">
<input type="hidden" name="from" value="${id}">
<input type="hidden" name="mailbox" value="${String(m.mailboxId)}">
<a href="/?mailbox=${String(m.mailboxId)}">Back to ${m.mailboxName}</a>
<button name="action" value="${unread ? "read" : "unread"}">${unread ? "Mark read" : "Mark unread"}</button>
<button name="action" value="delete" class="danger">Delete</button>
<a href="/ui/message/${id}/raw" download="message-${id}.eml">Download .eml</a>
</form>
</div>
<dl class="summary">
<dt>From</dt><dd>${p ? addresses(p.From) : m.msgFrom}</dd>
<dt>To</dt><dd>${p ? addresses(p.To) : m.envelope.rcptTo}</dd>
${p?.CC.length ? h`<dt>Cc</dt><dd>${addresses(p.CC)}</dd>` : ""}
<dt>Date</dt><dd>${p?.Date ? new Date(p.Date).toUTCString() : "(none)"}; received ${m.receivedAt.toISOString()}</dd>
<dt>Size</dt><dd>${formatSize(m.size)}</dd>
</dl>
${v.released ? h`<p class="${v.released.ok ? "note" : "warn"}" role="status" id="release-result">${v.released.ok ? "Released" : "Release failed"} to ${v.released.to}: ${v.released.detail}</p>` : ""}
${v.canRelease ? releaseForm(id, m.envelope.rcptTo, v.csrf) : ""}
${m.parseError ? h`<p class="warn">This message could not be parsed (${m.parseError}); the raw source is shown below.</p>` : ""}
${p?.Truncated ? h`<p class="warn">The MIME structure is deeper or wider than the parser follows; some parts are not listed.</p>` : ""}
<nav class="tabs" aria-label="Sections">
${p?.HTML ? h`<a href="#html">HTML</a>` : ""}<a href="#text">Text</a>${parts.length ? h`<a href="#attachments">Attachments (${String(parts.length)})</a>` : ""}<a href="#delivery">Delivery</a><a href="#headers">Headers</a><a href="#raw">Raw</a>
</nav>
${p?.HTML ? htmlSection(id, v.images) : ""}
<section id="text"><h2>Text</h2>${p?.Text ? truncated(p.Text, m.id) : h`<p class="note">No text part.</p>`}</section>
${parts.length ? attachmentsSection(id, parts) : ""}
${deliverySection(m, auth)}
<section id="headers"><h2>Headers</h2>
<table class="headers"><tbody>${(p?.Headers ?? []).map(([n, val]) => h`<tr><th scope="row">${n}</th><td>${val}</td></tr>`)}</tbody></table>
</section>
<section id="raw"><h2>Raw source</h2>
${truncated(m.raw.subarray(0, displayLimit + 1).toString("utf8"), m.id, m.raw.length)}
<p><a href="/ui/message/${id}/raw">Open the raw message</a></p>
</section>
</article>`;
}

function htmlSection(id: string, images: boolean): Html {
  const src = `/ui/message/${id}/html${images ? "?images=1" : ""}`;
  return h`<section id="html"><h2>HTML</h2>
<p class="note">${images ? h`Remote images are shown. <a href="/ui/message/${id}#html">Block them again</a>` : h`Scripts never run here; remote images and styles are blocked. <a href="/ui/message/${id}?images=1#html" id="load-images">Load remote images</a>`}</p>
<iframe id="html-frame" title="HTML body" src="${src}" sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" loading="lazy"></iframe>
</section>`;
}

function attachmentsSection(id: string, parts: AttachmentPart[]): Html {
  return h`<section id="attachments"><h2>Attachments</h2><ul class="attachments">${parts.map(({ path, structure: s }) => {
    const url = `/ui/message/${id}/part/${path.join(".")}`;
    const name = s.Filename || `part ${path.join(".")}`;
    return h`<li><a href="${url}?download=1">${name}</a> <span class="note">${s.ContentType}, ${formatSize(s.DecodedSize)}</span>${
      previewTypes.has(s.ContentType) ? h`<br><img class="preview" src="${url}" alt="Preview of ${name}" loading="lazy">` : ""
    }</li>`;
  })}</ul></section>`;
}

function deliverySection(m: StoredMessage, auth: [string, string][]): Html {
  const e = m.envelope;
  return h`<section id="delivery"><h2>Delivery</h2>
<dl class="facts-list">
<dt>MAIL FROM</dt><dd>${e.mailFrom || "<> (null sender)"}${m.mailFromValidated ? " (validated)" : ""}</dd>
<dt>RCPT TO</dt><dd>${e.rcptTo}</dd>
<dt>Client</dt><dd>${e.remoteIp || "-"}, HELO ${e.helo || "-"}</dd>
<dt>Listener</dt><dd>${e.listener}${e.authUser ? `, authenticated as ${e.authUser}` : ""}</dd>
<dt>TLS</dt><dd>${e.tls ? "yes" : "no (plain text connection)"}</dd>
<dt>From domain</dt><dd>${m.msgFromValidated ? "aligned with a passing SPF or DKIM result" : "not validated"}</dd>
<dt>DKIM</dt><dd>${m.dkimDomains.length ? `verified for ${m.dkimDomains.join(", ")}` : "no valid signature"}</dd>
</dl>
${auth.length ? h`<h3>Authentication results</h3><table class="headers"><tbody>${auth.map(([n, v]) => h`<tr><th scope="row">${n}</th><td>${v}</td></tr>`)}</tbody></table>` : h`<p class="note">No authentication results recorded in the header.</p>`}
</section>`;
}

function releaseForm(id: string, to: string, csrf: string): Html {
  return h`<details class="release"><summary>Release…</summary>
<form method="post" action="/ui/message/${id}/release" class="toolbar">
<input type="hidden" name="csrf" value="${csrf}">
<label for="release-to">Send this message, unchanged, through the configured SMTP server to</label>
<input id="release-to" name="to" type="email" required value="${to}">
<button id="release-button">Release</button>
</form></details>`;
}
