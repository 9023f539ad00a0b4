/**
 * Cross-site request refusal for POSTs (docs/guarantees.md C8). A browser holding cached basic-auth
 * credentials would send them with a form posted from another site; such requests carry an
 * `Origin` of that site or `Sec-Fetch-Site: cross-site`, and get 403 before authentication.
 * Clients that send neither header (curl, mox's Go client, server-side code) are unaffected.
 */
import type { Context } from "hono";

/** True when a POST comes from another site than the one serving the API. */
export function isCrossSite(c: Context, trustForwarded: boolean): boolean {
  if (c.req.header("sec-fetch-site")?.toLowerCase() === "cross-site") return true;
  const origin = c.req.header("origin");
  if (origin === undefined) return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host; // "null" (sandboxed or file: pages) throws: refused
  } catch {
    return true;
  }
  const host = (trustForwarded ? c.req.header("x-forwarded-host") : undefined) ?? c.req.header("host") ?? new URL(c.req.url).host;
  return originHost.toLowerCase() !== host.trim().toLowerCase();
}
