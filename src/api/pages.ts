/**
 * The HTML pages (mox-compat §5): the index listing the methods, and one form page per method
 * with example request/response JSON and a Call button. Pages echo nothing from the request;
 * every value written is escaped. The script posts through fetch (multipart FormData) and
 * shows the response, except for byte-returning methods, which the browser posts natively.
 */
import { exampleJson } from "./example.js";
import type { ApiMethod } from "./registry.js";

const style = `body, html { padding: 1em; font-size: 16px; }
* { font-size: inherit; font-family: ubuntu, lato, sans-serif; margin: 0; padding: 0; box-sizing: border-box; }
h1, h2, h3, h4 { margin-bottom: 1ex; }
h1 { font-size: 1.2rem; }
h2 { font-size: 1.1rem; }
ul { padding-left: 1rem; margin-bottom: 1em; }
p { margin-bottom: 1em; max-width: 50em; }
fieldset { border: 0; }
textarea { width: 100%; max-width: 50em; font-family: monospace; }`;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function head(title: string): string {
  return `<!doctype html>
<html>
	<head>
		<meta charset="utf-8" />
		<meta name="robots" content="noindex,nofollow" />
		<title>${escapeHtml(title)}</title>
		<style>
${style}
		</style>
	</head>`;
}

/** The index page at `/webapi/v0/`. */
export function indexPage(methods: readonly ApiMethod[], version: string): string {
  const item = (m: ApiMethod): string =>
    `\t\t\t<li><a href="${escapeHtml(m.name)}">${escapeHtml(m.name)}</a> <span>${escapeHtml(m.summary)}</span></li>`;
  const mox = methods.filter((m) => !m.extension);
  const ext = methods.filter((m) => m.extension);
  const docs = "https://pkg.go.dev/github.com/mjl-/mox/webapi/";
  return `${head("Webapi - Mox")}
	<body>
		<h1>Webapi and webhooks</h1>
		<p>The webapi is a simple HTTP/JSON-based API for sending messages and processing incoming messages.</p>
		<p>Configure webhooks to receive notifications about outgoing delivery events, and/or incoming deliveries of messages.</p>
		<p>Served by Postwire ${escapeHtml(version)}, wire-compatible with mox's webapi v0. Documentation and examples:</p>
		<p><a href="${docs}">${docs}</a></p>
		<h2>Methods</h2>
		<p>Follow a link for an example request/response JSON, and a button to make an API call.</p>
		<ul>
${mox.map(item).join("\n")}
		</ul>
${
  ext.length
    ? `		<h2>Extensions</h2>
		<p>Postwire methods beyond mox's, with the same conventions.</p>
		<ul>
${ext.map(item).join("\n")}
		</ul>
`
    : ""
}	</body>
</html>
`;
}

/** The form page of one method at `/webapi/v0/<Method>`. */
export function methodPage(m: ApiMethod): string {
  const bytes = m.response === null;
  const name = escapeHtml(m.name);
  const response = bytes
    ? `\t\t\t\t<p>Method has a non-JSON response.</p>`
    : `\t\t\t\t<h2>Response JSON</h2>
				<div><textarea id="webapiresponse" rows="20">${escapeHtml(exampleJson(m.response!))}</textarea></div>`;
  return `${head(`Method ${m.name} - WebAPI - Mox`)}
	<body>
		<h1><a href="../">WebAPI</a> - Method ${name}</h1>
		<p>${escapeHtml(m.summary)}</p>
		<form id="webapicall" method="POST">
			<fieldset id="webapifieldset">
				<h2>Request JSON</h2>
				<div><textarea id="webapirequest" name="request" required rows="20">${escapeHtml(exampleJson(m.request))}</textarea></div>
				<br/>
				<div>
					<button type="reset">Reset</button>
					<button type="submit" id="webapicallbutton">Call</button>
				</div>
				<br/>
${response}
			</fieldset>
		</form>
		<script>
${script(m.name, bytes)}
		</script>
	</body>
</html>
`;
}

// The page script. The method name is a registry key (a plain identifier), inserted as JSON.
function script(method: string, returnsBytes: boolean): string {
  return `window.addEventListener('load', () => {
	const form = document.getElementById('webapicall')
	const fieldset = document.getElementById('webapifieldset')
	const request = document.getElementById('webapirequest')
	const response = document.getElementById('webapiresponse')
	form.addEventListener('submit', async (e) => {
		const stop = () => {
			e.stopPropagation()
			e.preventDefault()
		}
		let req
		try {
			req = JSON.parse(request.value)
		} catch (err) {
			window.alert('Error parsing request: ' + err.message)
			stop()
			return
		}
		if (!req) {
			window.alert('Empty request')
			stop()
			return
		}
		if (${returnsBytes ? "true" : "false"}) {
			return // The browser posts the form and shows the bytes.
		}
		stop()
		fieldset.disabled = true
		const data = new window.FormData()
		data.append('request', request.value)
		try {
			const resp = await fetch(${JSON.stringify(method)}, {method: 'POST', body: data})
			const text = await resp.text()
			try {
				response.value = JSON.stringify(JSON.parse(text), undefined, '\\t')
			} catch (err) {
				response.value = text
			}
		} catch (err) {
			window.alert('Error: ' + err.message)
		} finally {
			fieldset.disabled = false
		}
	})
})`;
}
