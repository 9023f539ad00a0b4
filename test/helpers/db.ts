// Test databases: a fresh PGlite data dir (copied from the cached template), or, when
// TEST_DATABASE_URL is set, a fresh database created on that PostgreSQL server and dropped after.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { openDatabase, type Database } from "../../src/db/index.js";

export type TestDb = { database: Database; url: string | null; dataDir: string; cleanup(): Promise<void> };

/** True when the suite runs against PostgreSQL. */
export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** Creates an empty database URL on the test PostgreSQL server (or null on PGlite). */
export async function createTestDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return null;
  const name = `pw_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const a = postgres(base, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** Opens a fresh, migrated test database on the backend selected by TEST_DATABASE_URL. */
export async function openTestDb(): Promise<TestDb> {
  const dataDir = mkdtempSync(join(tmpdir(), "postwire-test-"));
  const pg = await createTestDatabaseUrl();
  const database = await openDatabase({ url: pg?.url, dataDir, poolSize: 5 });
  return {
    database,
    url: pg?.url ?? null,
    dataDir,
    async cleanup() {
      await database.close();
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until every transaction that began before this call has ended. The event log shows an
 * event only once no older transaction runs on the server (events/log.ts), and on a shared
 * PostgreSQL other databases' transactions count too; after this, what committed before is read.
 */
export async function settled(database: Database): Promise<void> {
  const [mark] = (await database.db.execute(sql`select txid_current()::text as x`)) as unknown as { x: string }[];
  for (const t0 = Date.now(); Date.now() - t0 < 10_000; ) {
    const [r] = (await database.db.execute(sql`select pg_snapshot_xmin(pg_current_snapshot())::text as x`)) as unknown as { x: string }[];
    if (BigInt(r!.x) > BigInt(mark!.x)) return;
    await new Promise((res) => setTimeout(res, 10));
  }
}
