import { sql, type SQL } from "drizzle-orm";

/**
 * A time as a SQL parameter in raw `sql` fragments: drizzle's postgres-js driver passes
 * timestamps through as text, so a Date must be sent as its ISO form and cast.
 */
export function at(d: Date): SQL {
  return sql`${d.toISOString()}::timestamptz`;
}
