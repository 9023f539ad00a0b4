/** RFC 5322 §3.3 date-time in UTC, e.g. `Sun, 06 Dec 2026 04:04:01 +0000`. */
export function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace("GMT", "+0000");
}

/** The clauses of a `Received:` trace field (RFC 5321 §4.4), each already valid syntax. */
export type ReceivedClauses = {
  /** Extended-Domain: `name`, or `name ([address])` with the client's address literal. */
  from: string;
  by: string;
  /** Protocol (RFC 3848), e.g. ESMTPSA; omitted when none is registered (HTTP). */
  with?: string;
  /** TLS version and cipher, written as a comment, e.g. `TLSv1.3 TLS_AES_256_GCM_SHA384`. */
  tls?: string;
  id?: string;
  /** The recipient, given only when there is exactly one. */
  for?: string;
  date: number;
};

/** Formats a `Received:` field with CRLF, folded before `by`, `for` and the date. */
export function formatReceived(c: ReceivedClauses): string {
  const tls = c.tls ? ` (${c.tls.replace(/[()\\\r\n]/g, "")})` : "";
  const withClause = c.with ? ` with ${c.with}${tls}` : tls;
  const id = c.id ? ` id ${c.id}` : "";
  const rcpt = c.for ? `\r\n\tfor <${c.for}>` : "";
  return `Received: from ${c.from}\r\n\tby ${c.by}${withClause}${id}${rcpt};\r\n\t${rfc5322Date(c.date)}\r\n`;
}
