// Header field occurrence limits of RFC 5322 §3.6 and the fields the Send composer owns.
// A message that leaves Postwire has exactly one From: two From fields let a client name
// another account's address in the one a reader sees while the last one passes the check.

/** Fields RFC 5322 §3.6 allows at most once (From and Date: exactly once). */
const singleFields = [
  "date",
  "from",
  "sender",
  "reply-to",
  "to",
  "cc",
  "bcc",
  "message-id",
  "in-reply-to",
  "references",
  "subject",
] as const;

/** A field present more often than RFC 5322 §3.6 allows. */
export interface FieldCountViolation {
  /** Lowercase field name. */
  readonly field: string;
  readonly count: number;
}

/**
 * The first field of `fields` (name, value pairs) that occurs more often than RFC 5322 §3.6
 * allows, or a missing From (`count` 0); null when the header keeps the limits. A missing
 * Date is not reported: submission adds one.
 */
export function fieldCountViolation(fields: ReadonlyArray<readonly [string, string]>): FieldCountViolation | null {
  const counts = new Map<string, number>();
  for (const [name] of fields) {
    const key = name.toLowerCase();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const field of singleFields) {
    const count = counts.get(field) ?? 0;
    if (count > 1) return { field, count };
  }
  if (!counts.has("from")) return { field: "from", count: 0 };
  return null;
}

/**
 * Fields the Send composer writes itself (or that only the transport may write); a request's
 * `Headers` cannot add them again. Stricter than mox, which adds any field given.
 */
export const composerOwnedFields: ReadonlySet<string> = new Set([
  ...singleFields,
  "mime-version",
  "content-type",
  "content-transfer-encoding",
  "content-disposition",
  "content-id",
  "return-path",
  "received",
  "dkim-signature",
]);
