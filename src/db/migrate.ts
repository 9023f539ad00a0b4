import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import type { Sql } from "postgres";

/** The drizzle-kit migrations shipped with the package. */
export const migrationsFolder = fileURLToPath(new URL("../../drizzle", import.meta.url));

/**
 * Applies pending migrations. With `lock`, `sql` must be a single-connection client: a session
 * advisory lock on it keeps several processes starting on one PostgreSQL from racing.
 */
export async function runMigrations(sql: Sql, lock = false): Promise<void> {
  if (lock) await sql`select pg_advisory_lock(7305520331)`;
  try {
    await migrate(drizzle({ client: sql }), { migrationsFolder });
  } finally {
    if (lock) await sql`select pg_advisory_unlock(7305520331)`;
  }
}
