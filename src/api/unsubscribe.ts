/**
 * One-click unsubscribe (RFC 8058) at `<mount>/unsubscribe/<token>`, served without login: the
 * token itself is the signed grant. POST with the body `List-Unsubscribe=One-Click` records the
 * opt-out (idempotent: a repeat answers the same and changes nothing). GET shows a page with a
 * button that makes that POST, and changes nothing itself (link scanners open URLs).
 */
import type { Context } from "hono";
import type { ApiDeps } from "./deps.js";

// The body is one short form field; anything larger is not a one-click POST.
const maxBody = 4096;

const json = (c: Context, status: 200 | 400 | 409 | 413, code: string, message: string) =>
  c.body(JSON.stringify(status === 200 ? { Result: code, Message: message } : { Code: code, Message: message }) + "\n", status, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
  });

/** Answers a request for an unsubscribe URL; `token` is the last path segment. */
export async function unsubscribeResponse(c: Context, deps: ApiDeps, token: string): Promise<Response> {
  if (c.req.method === "GET") return c.body(page(), 200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  if (c.req.method !== "POST") return c.body("405 - method not allowed - use get or post\n", 405, { "Content-Type": "text/plain; charset=utf-8" });
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBody) return json(c, 413, "protocol", "body too large for a one-click unsubscribe");
  const body = await c.req.raw.text();
  if (body.length > maxBody) return json(c, 413, "protocol", "body too large for a one-click unsubscribe");
  if (!oneClick(c.req.header("content-type") ?? "", body)) {
    return json(c, 400, "protocol", "a one-click unsubscribe POST carries List-Unsubscribe=One-Click (RFC 8058)");
  }
  const outcome = await deps.delivery.unsubscribe(token);
  if (outcome === "invalid") return json(c, 400, "badUnsubscribeToken", "the unsubscribe link is not valid");
  if (outcome === "stale") return json(c, 409, "staleUnsubscribeToken", "the recipient's preferences changed after this link was sent");
  return json(c, 200, outcome === "added" ? "unsubscribed" : "alreadyUnsubscribed", "you will not receive this category of mail any more");
}

/** RFC 8058 §3.1: the key/value pair, urlencoded or as a multipart field. */
function oneClick(contentType: string, body: string): boolean {
  if (/^multipart\/form-data/i.test(contentType)) return /name="List-Unsubscribe"\r?\n\r?\nOne-Click\r?\n/.test(body);
  return new URLSearchParams(body).getAll("List-Unsubscribe").includes("One-Click");
}

function page(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Unsubscribe</title></head>
<body><h1>Unsubscribe</h1><p>Stop receiving this category of mail at your address?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>
</body></html>
`;
}
