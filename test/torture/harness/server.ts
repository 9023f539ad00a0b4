// PROC for the torture runs: Postwire localserve as a child process (test/helpers/proc.ts) on
// PGlite or on a database of a given PostgreSQL server, restartable with different armed fault
// points, with database access for the LEDGER (PGlite only while the child is down) and the
// child's RSS and open file descriptors from /proc.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { openDatabase, type Database } from "../../../src/db/index.js";
import { faultEnvVar } from "../../../src/fault/index.js";
import { startLocalserveProc, type ServerProc } from "../../helpers/proc.js";
import { onAbort } from "./reaper.js";

/** A torture target. */
export type TortureServer = {
  proc: ServerProc;
  backend: "pglite" | "postgres";
  ports: { smtp: number; submission: number; http: number };
  pid(): number;
  running(): boolean;
  /** Starts the child again with these fault points armed ("" arms none). */
  start(faults?: string): Promise<number>;
  kill9(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** Resolves true when the child exits by itself within `ms`. */
  exited(ms: number): Promise<boolean>;
  /** Runs fn on the server's database (PGlite: the child must be down). */
  withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  /** VmRSS (KiB) and open fds of the running child. */
  stats(): { rssKb: number; fds: number };
  cleanup(): Promise<void>;
};

/**
 * Starts localserve. With `pgBaseUrl` (a server URL whose user may create databases) it runs on
 * a fresh database there; otherwise on TEST_DATABASE_URL when set, else PGlite.
 */
export async function startTortureServer(o: { args?: string[]; faults?: string; pgBaseUrl?: string } = {}): Promise<TortureServer> {
  const saved = process.env.TEST_DATABASE_URL;
  if (o.pgBaseUrl) process.env.TEST_DATABASE_URL = o.pgBaseUrl;
  let proc: ServerProc;
  try {
    proc = await startLocalserveProc({ args: o.args, env: { [faultEnvVar]: o.faults ?? "" } });
  } finally {
    if (saved === undefined) delete process.env.TEST_DATABASE_URL;
    else process.env.TEST_DATABASE_URL = saved;
  }
  const forget = onAbort(() => {
    proc.child.kill("SIGKILL");
    rmSync(proc.dir, { recursive: true, force: true });
  });
  const backend = proc.databaseUrl ? "postgres" : "pglite";
  const running = () => proc.child.exitCode === null && proc.child.signalCode === null;
  let pgDb: Database | null = null;
  const withDb = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => {
    if (backend === "postgres") {
      pgDb ??= await openDatabase({ url: proc.databaseUrl!, dataDir: proc.dir, migrate: false, poolSize: 2 });
      return fn(pgDb);
    }
    if (running()) throw new Error("PGlite: stop the server before opening its database");
    const db = await openDatabase({ dataDir: proc.dir, migrate: false });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };
  return {
    proc,
    backend,
    ports: { smtp: proc.ports.smtp, submission: proc.ports.submission, http: proc.ports.http },
    pid: () => proc.child.pid ?? 0,
    running,
    async start(faults = "") {
      const t = Date.now();
      await proc.restart({ [faultEnvVar]: faults });
      return Date.now() - t;
    },
    kill9: () => proc.kill9(),
    stop: () => proc.stop(),
    exited(ms) {
      if (!running()) return Promise.resolve(true);
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve(false), ms);
        proc.child.once("exit", () => (clearTimeout(t), resolve(true)));
      });
    },
    withDb,
    stats() {
      const status = readFileSync(`/proc/${proc.child.pid}/status`, "utf8");
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return { rssKb, fds: readdirSync(`/proc/${proc.child.pid}/fd`).length };
    },
    async cleanup() {
      await pgDb?.close();
      pgDb = null;
      await proc.cleanup();
      forget();
    },
  };
}
