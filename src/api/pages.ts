/**
 * The webapi's own pages: `/webapi/v0/` lists the methods, `/webapi/v0/<Method>` is a form to
 * try one (an example request to edit, a Call button, the answer below). They share the web
 * interface's look. Nothing from the request is echoed; every value is escaped. The script
 * sends the form with fetch and pretty-prints the JSON answer; for methods that answer with
 * bytes it lets the browser submit the form and show them.
 */
import { exampleJson } from "./example.js";
import type { ApiMethod } from "./registry.js";

const style = `:root { --fg: #1d2430; --muted: #5b6575; --line: #d9dee6; --accent: #0b5fff; --soft: #f3f6fb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 1px; }
header { display: flex; gap: 16px; align-items: center; padding: 8px 16px; border-bottom: 1px solid var(--line); background: var(--soft); }
header b { margin-right: auto; }
main { max-width: 960px; margin: 0 auto; padding: 12px 16px 32px; }
h1 { font-size: 20px; margin: 8px 0; } h2 { font-size: 16px; margin: 20px 0 6px; }
p { max-width: 46em; } .muted { color: var(--muted); }
ul.methods { list-style: none; padding: 0; margin: 0; border-top: 1px solid var(--line); }
ul.methods li { display: grid; grid-template-columns: minmax(150px, 220px) 1fr; gap: 4px 16px; padding: 6px 2px; border-bottom: 1px solid var(--line); }
@media (max-width: 640px) { ul.methods li { grid-template-columns: 1fr; } }
textarea { width: 100%; font: 13px/1.4 ui-monospace, monospace; padding: 8px; border: 1px solid var(--line); border-radius: 6px; tab-size: 4; }
button { font: inherit; padding: 5px 14px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
button[type=submit] { background: var(--accent); border-color: var(--accent); color: #fff; }
.actions { display: flex; gap: 8px; margin: 8px 0 4px; }
fieldset { border: 0; margin: 0; padding: 0; } fieldset:disabled { opacity: .6; }`;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function shell(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex,nofollow">
<title>${escapeHtml(title)}</title>
<style>
${style}
</style>
</head>
<body>
<header><b>Postwire</b><a href="/">Mail</a><a href="/webapi/v0/">Webapi</a></header>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The index page at `/webapi/v0/`. */
export function indexPage(methods: readonly ApiMethod[], version: string): string {
  const list = (ms: ApiMethod[]): string =>
    `<ul class="methods">\n${ms.map((m) => `<li><a href="${escapeHtml(m.name)}">${escapeHtml(m.name)}</a><span>${escapeHtml(m.summary)}</span></li>`).join("\n")}\n</ul>`;
  const compatible = methods.filter((m) => !m.extension);
  const extra = methods.filter((m) => m.extension);
  return shell(
    "Webapi · Postwire",
    `<h1>Webapi</h1>
<p>Send mail and read what arrived with plain HTTP: each method is a <code>POST</code> to
<code>/webapi/v0/&lt;Method&gt;</code> with a form field <code>request</code> holding JSON, and
basic authentication with an account's address and password. The answer is JSON, or the raw
bytes for the methods that return a message or a part. Errors come back as
<code>{"Code", "Message"}</code> with status 400.</p>
<p>What happens to mail afterwards reaches your application as signed webhooks and on the event
WebSocket at <code>/webapi/v0/events</code>. Every method, with a curl example, is described in
<code>docs/api.md</code> of the Postwire source; webhooks in <code>docs/webhooks.md</code>, the
event stream in <code>docs/realtime.md</code>.</p>
<p class="muted">Postwire ${escapeHtml(version)}. The methods in the first list speak the same JSON as mox's webapi v0, so its clients work unchanged.</p>
<h2>Methods</h2>
<p>Open a method to edit an example request and call it from this page.</p>
${list(compatible)}
${extra.length ? `<h2>Postwire methods</h2>\n<p>Beyond mox's set, with the same conventions.</p>\n${list(extra)}` : ""}`,
  );
}

/** The form page of one method at `/webapi/v0/<Method>`. */
export function methodPage(m: ApiMethod): string {
  const bytes = m.response === null;
  const name = escapeHtml(m.name);
  const answer = bytes
    ? `<p class="muted">This method answers with bytes, not JSON: Call shows them in place of this page.</p>`
    : `<h2><label for="webapiresponse">Answer</label></h2>
<p class="muted">An example until you call; then the server's answer.</p>
<textarea id="webapiresponse" rows="18" readonly>${escapeHtml(exampleJson(m.response!))}</textarea>`;
  return shell(
    `${m.name} · Webapi · Postwire`,
    `<p><a href="./">Webapi</a> / ${name}</p>
<h1>${name}</h1>
<p>${escapeHtml(m.summary)}</p>
<form id="webapicall" method="post">
<fieldset id="webapifieldset">
<h2><label for="webapirequest">Request</label></h2>
<textarea id="webapirequest" name="request" required rows="18">${escapeHtml(exampleJson(m.request))}</textarea>
<div class="actions"><button type="submit" id="webapicallbutton">Call</button><button type="reset">Back to the example</button></div>
</fieldset>
</form>
${answer}
<script>
${script(m.name, bytes)}
</script>`,
  );
}

// The page script. The method name is a registry key (a plain identifier), written as JSON.
function script(method: string, answersWithBytes: boolean): string {
  return `"use strict";
(() => {
  const form = document.getElementById("webapicall");
  const fields = document.getElementById("webapifieldset");
  const request = document.getElementById("webapirequest");
  const answer = document.getElementById("webapiresponse");
  form.addEventListener("submit", async (event) => {
    let parsed;
    try {
      parsed = JSON.parse(request.value);
    } catch (err) {
      event.preventDefault();
      window.alert("Error parsing request: the request is not valid JSON (" + err.message + ")");
      return;
    }
    if (parsed === null || typeof parsed !== "object") {
      event.preventDefault();
      window.alert("Error parsing request: it must be a JSON object");
      return;
    }
    if (${answersWithBytes}) return; // the browser submits the form and shows the bytes
    event.preventDefault();
    fields.disabled = true;
    try {
      const body = new FormData();
      body.append("request", request.value);
      const response = await fetch(${JSON.stringify(method)}, { method: "POST", body });
      const text = await response.text();
      try {
        answer.value = JSON.stringify(JSON.parse(text), null, "\\t");
      } catch {
        answer.value = text; // not JSON (a plain-text refusal such as 401 or 429)
      }
    } catch (err) {
      window.alert("Error: " + err.message);
    } finally {
      fields.disabled = false;
    }
  });
})();`;
}
