/**
 * ui: the web interface on the HTTP listener: `/` lists a mailbox (live through the event
 * stream), `/ui/message/<id>` shows one message. Pages are rendered on the server with hono's
 * escaping `html` tag; a small script adds live updates. It reads and changes mail only
 * through store/, for the viewer's own account; message content is shown only as sandboxed
 * documents. Every POST passes the same-site check and the session's CSRF token.
 */
export { createUi } from "./app.js";
export type { UiDeps } from "./deps.js";
