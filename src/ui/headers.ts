/**
 * Response headers of the web interface. Pages load only our own script and style and connect
 * only to our own event stream; message content is served as sandboxed documents.
 */

/** CSP of the interface's own pages. */
export function pageCsp(host: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-src 'self'",
    `connect-src 'self' ws://${host} wss://${host}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/**
 * CSP of a message's HTML body shown in the iframe: a sandbox without scripts or same-origin
 * access, no forms, no loads at all except inline styles and data: images, and remote images
 * (http and https only) when the reader asked for them. CSS `url()` loads fall under img-src
 * and font-src, so styles cannot leak the reading to a remote server either.
 */
export function frameCsp(remoteImages: boolean): string {
  return [
    "sandbox allow-popups allow-popups-to-escape-sandbox",
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `img-src data:${remoteImages ? " http: https:" : ""}`,
    "font-src data:",
    "form-action 'none'",
    "frame-ancestors 'self'",
    "base-uri 'self'",
  ].join("; ");
}

/** CSP of raw sources and parts: never a document that runs anything. */
export const sandboxCsp = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

/** Headers on every response of the interface. */
export const commonHeaders: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "Cache-Control": "no-store",
};
