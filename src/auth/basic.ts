/** User and password of a `Basic` Authorization header (RFC 7617), or null when absent or malformed. */
export function parseBasic(header: string | undefined): { user: string; password: string } | null {
  const m = header ? /^basic +([A-Za-z0-9+/]*={0,2}) *$/i.exec(header) : null;
  if (!m || m[1]!.length % 4 !== 0) return null;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
