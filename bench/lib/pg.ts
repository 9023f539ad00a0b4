// Throwaway PostgreSQL databases for Postwire-on-PG rows: created on the server at
// BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432) and dropped when the run ends.
import { release, sh, track } from "./proc.js";

const BASE = (() => {
  const u = new URL(process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432");
  u.pathname = "";
  return u.toString().replace(/\/$/, "");
})();
let seq = 0;

function psql(db: string, sql: string): string {
  return sh("psql", [`${BASE}/${db}`, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql]);
}

/** Server facts for the report (version, fsync, synchronous_commit), or the reason it is unreachable. */
export function pgInfo(): { ok: true; version: string; fsync: string; syncCommit: string } | { ok: false; reason: string } {
  try {
    const [version = "", fsync = "", syncCommit = ""] = psql("postgres",
      "select current_setting('server_version') || '|' || current_setting('fsync') || '|' || current_setting('synchronous_commit')").trim().split("|");
    return { ok: true, version, fsync, syncCommit };
  } catch (e) {
    return { ok: false, reason: `PostgreSQL at ${BASE} not reachable: ${(e as Error).message.slice(0, 120)}` };
  }
}

/** Creates an empty database, tracked so it is dropped (WITH FORCE) at cleanup; returns its URL. */
export function createThrowawayDb(tag: string): { url: string; name: string; drop(): void } {
  const name = `pwbench_${tag}_${process.pid}_${++seq}`;
  psql("postgres", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  psql("postgres", `CREATE DATABASE ${name}`);
  const drop = () => { try { psql("postgres", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } catch { /* server gone */ } };
  const r = track({ name: `pg ${name}`, stop: async () => drop(), kill: drop });
  return { url: `${BASE}/${name}`, name, drop: () => { void release(r); } };
}
