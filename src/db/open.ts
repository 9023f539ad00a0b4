import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres, { type Sql, type TransactionSql } from "postgres";
import type { Logger } from "pino";
import * as schema from "./schema/index.js";
import { lockDataDir } from "./lock.js";
import { startPgliteHost, type PgliteHost } from "./pglite-host.js";
import { preparePgliteDir } from "./template.js";
import { runMigrations } from "./migrate.js";
import { retryTransient } from "./retry.js";

/** The query interface every module uses, the same type on PGlite and PostgreSQL. */
export type Db = PostgresJsDatabase<typeof schema>;
/** A transaction handle; always the first parameter of functions that write. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Either a transaction or the database itself. */
export type DbOrTx = Db | Tx;

/** An open database with its backend-specific extras. */
export type Database = {
  kind: "pglite" | "postgres";
  db: Db;
  sql: Sql;
  /** LISTEN on PostgreSQL (wakes this process when any instance commits a NOTIFY); null on PGlite. */
  listen: ((channel: string, onPayload: (payload: string) => void) => Promise<() => Promise<void>>) | null;
  close(): Promise<void>;
};

export type OpenOptions = {
  /** PostgreSQL URL; empty → embedded PGlite in `dataDir`. */
  url?: string;
  dataDir: string;
  poolSize?: number;
  log?: Logger;
  migrate?: boolean;
  /** How long start-up waits for PostgreSQL to accept connections, in ms (default 60 s). */
  connectWaitMs?: number;
};

/** Opens (and migrates) the database: PostgreSQL when a URL is given, else PGlite in the data dir. */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return opts.url ? openPostgres(opts.url, opts) : openPglite(opts);
}

async function openPostgres(url: string, opts: OpenOptions): Promise<Database> {
  const one = postgres(url, { max: 1, onnotice: () => {} });
  let lz4 = false;
  try {
    // A server still starting (a container started alongside, a restart) is waited for.
    await retryTransient("connecting to the database", () => one`select 1`, { log: opts.log, maxMs: opts.connectWaitMs ?? 60_000 });
    if (opts.migrate !== false) await runMigrations(one, true);
    lz4 = await supportsLz4(one);
  } finally {
    await one.end({ timeout: 5 });
  }
  const sql = postgres(url, {
    max: opts.poolSize ?? 10,
    onnotice: () => {},
    // Message bodies, parsed forms and event payloads are TOASTed: lz4 compresses them at a tenth
    // of pglz's CPU (docs/architecture.md, Storage). Applies to values written by these sessions.
    connection: { application_name: "postwire", ...(lz4 ? { default_toast_compression: "lz4" } : {}) },
  });
  return {
    kind: "postgres",
    db: drizzle({ client: preparedStatements(sql), schema }),
    sql,
    async listen(channel, onPayload) {
      // postgres-js re-LISTENs by itself after losing its connection; the first one is retried.
      const { unlisten } = await retryTransient("listening for notifications", () => sql.listen(channel, onPayload), { log: opts.log, maxMs: 30_000 });
      return unlisten;
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

async function openPglite(opts: OpenOptions): Promise<Database> {
  mkdirSync(opts.dataDir, { recursive: true });
  const unlock = await lockDataDir(opts.dataDir);
  let host: PgliteHost | undefined;
  try {
    const pgDir = join(opts.dataDir, "pglite");
    await preparePgliteDir(pgDir, buildCluster, opts.log);
    host = await startPgliteHost(pgDir);
    const sql = connectPglite(host);
    if (opts.migrate !== false) await runMigrations(sql);
    const h = host;
    return {
      kind: "pglite",
      db: drizzle({ client: preparedStatements(sql), schema }),
      sql,
      listen: null,
      async close() {
        await sql.end({ timeout: 5 });
        await h.close();
        await unlock();
      },
    };
  } catch (err) {
    await host?.close();
    await unlock();
    throw err;
  }
}

/** postgres-js on the PGlite socket: one connection, since PGlite is a single session. */
/**
 * drizzle runs its queries through postgres-js `unsafe()` unprepared, and postgres-js sends an
 * unprepared query with parameters in two round trips (Parse/Describe, wait for the parameter
 * types, then Bind/Execute). Prepared, a query is one round trip after its first use on a
 * connection, and the server skips parsing and planning it again. drizzle's SQL text depends only
 * on the query's shape, so the statements cached per connection are few; postgres-js renews
 * connections after max_lifetime (30-60 min), which bounds them anyway.
 */
function preparedStatements<T extends Sql | TransactionSql>(s: T): T {
  return new Proxy(s, {
    get(target, prop) {
      if (prop === "unsafe") {
        return (query: string, params?: unknown[], o?: Record<string, unknown>) =>
          (target.unsafe as (q: string, p?: unknown[], o?: Record<string, unknown>) => unknown)(query, params, { ...o, prepare: true });
      }
      if (prop === "begin" || prop === "savepoint") {
        return (...args: unknown[]) => {
          const cb = args.pop() as (tx: TransactionSql) => unknown;
          const fn = Reflect.get(target, prop, target) as (...a: unknown[]) => unknown;
          return fn.call(target, ...args, (tx: TransactionSql) => cb(preparedStatements(tx)));
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function connectPglite(host: PgliteHost): Sql {
  return postgres({
    path: host.socketPath,
    user: "postgres",
    database: "postgres",
    max: 1,
    onnotice: () => {},
  });
}

async function buildCluster(dir: string): Promise<void> {
  const host = await startPgliteHost(dir);
  const sql = connectPglite(host);
  try {
    await runMigrations(sql);
  } finally {
    await sql.end({ timeout: 5 });
    await host.close();
  }
}

/** True when the server was built with lz4 (PostgreSQL 14+ with --with-lz4, as Debian's is). */
async function supportsLz4(sql: postgres.Sql): Promise<boolean> {
  const rows = await sql`select 'lz4' = any(enumvals) as ok from pg_settings where name = 'default_toast_compression'`;
  return rows[0]?.ok === true;
}
