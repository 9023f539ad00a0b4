import { readFileSync } from "node:fs";
import { join } from "node:path";
import { migrationsFolder } from "./migrate.js";
import type { Database } from "./open.js";

/** The database as readiness sees it. */
export type DatabaseCheck = { reachable: boolean; migrationsCurrent: boolean; error?: string };

let lastMigration: number | null = null;

/** The `when` of the newest migration shipped (drizzle records it as created_at when applied). */
function newestShipped(): number {
  if (lastMigration === null) {
    const journal = JSON.parse(readFileSync(join(migrationsFolder, "meta", "_journal.json"), "utf8")) as { entries: { when: number }[] };
    lastMigration = Math.max(0, ...journal.entries.map((e) => e.when));
  }
  return lastMigration;
}

/**
 * One round trip that proves the database answers and that its newest applied migration is
 * the newest this build ships (as drizzle's migrator decides). Gives up after `timeoutMs`: a
 * pool reconnecting to a stopped server would otherwise wait for its connect timeout.
 */
export async function checkDatabase(database: Database, timeoutMs = 2000): Promise<DatabaseCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const q = database.sql<{ last: string | null }[]>`select max(created_at)::text as last from drizzle.__drizzle_migrations`;
    const rows = await Promise.race([q, timeout]);
    return { reachable: true, migrationsCurrent: Number(rows[0]?.last ?? 0) >= newestShipped() };
  } catch (err) {
    return { reachable: false, migrationsCurrent: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connections of postwire processes (application_name `postwire`) to this database by state,
 * from pg_stat_activity; empty on PGlite (one in-process connection).
 */
export async function connectionStats(database: Database): Promise<{ state: string; count: number }[]> {
  if (database.kind !== "postgres") return [];
  const rows = await database.sql<{ state: string; count: number }[]>`
    select coalesce(state, 'unknown') as state, count(*)::int as count from pg_stat_activity
    where datname = current_database() and application_name = 'postwire' group by 1`;
  return rows.map((r) => ({ state: r.state, count: Number(r.count) }));
}
