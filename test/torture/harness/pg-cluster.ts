// A throwaway PostgreSQL cluster for fault tests that must restart or stall the server
// (docs/guarantees.md E6, E7): initdb + pg_ctl as user postgres on a free port, in a temp dir.
// Never the shared 127.0.0.1:5432 server, which other developers' tests use.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { freePort } from "../../helpers/proc.js";
import { onAbort } from "./reaper.js";

/** A running throwaway cluster. */
export type PgCluster = {
  /** Base URL (database `postgres`). */
  url: string;
  port: number;
  dir: string;
  /** URL of a fresh database created in this cluster. */
  createDatabase(name: string): Promise<string>;
  /**
   * `pg_ctl restart -m immediate`: every backend dies without a checkpoint (crash recovery on
   * start). Resolves once the cluster accepts connections again; the event loop keeps running,
   * so client load goes on during the restart.
   */
  restartImmediate(): Promise<void>;
  /** `pg_ctl stop -m immediate` (the server is gone until start()). */
  stopImmediate(): void;
  start(): void;
  /** Stops the cluster and removes its files. */
  destroy(): void;
};

/** The PostgreSQL binaries directory (Debian layout), or null when none is installed. */
export function pgBinDir(): string | null {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, "bin", "pg_ctl"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], "bin") : null;
}

/** True when a throwaway cluster can be made here (binaries present, user postgres exists, we are root). */
export function canMakeCluster(): boolean {
  return pgBinDir() !== null && process.getuid?.() === 0 && spawnSync("id", ["postgres"]).status === 0;
}

function asPostgres(bin: string, args: string[]): void {
  execFileSync("runuser", ["-u", "postgres", "--", bin, ...args], { stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
}

function asPostgresAsync(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile("runuser", ["-u", "postgres", "--", bin, ...args], { timeout: 120_000 }, (err, _out, stderr) => (err ? reject(new Error(`${bin} ${args.join(" ")}: ${err.message} ${stderr}`)) : resolve())),
  );
}

/** Creates and starts a cluster with fsync on (the Postfix-grade mode) on a free port. */
export async function startPgCluster(o: { settings?: Record<string, string> } = {}): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error("no PostgreSQL binaries under /usr/lib/postgresql");
  const dir = mkdtempSync(join(tmpdir(), "postwire-pgc-"));
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  chownSync(dir, uid, gid);
  const data = join(dir, "data");
  asPostgres(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const settings = { listen_addresses: "127.0.0.1", max_connections: "300", fsync: "on", synchronous_commit: "on", ...o.settings };
  const opts = [`-p ${port}`, `-k ${dir}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(" ");
  const ctlArgs = (args: string[]) => ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "-t", "60", ...args];
  const ctl = (args: string[]) => asPostgres(join(bin, "pg_ctl"), ctlArgs(args));
  ctl(["start"]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let destroyed = false;
  const forget = onAbort(() => {
    ctl(["stop", "-m", "immediate"]);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    url,
    port,
    dir,
    async createDatabase(name) {
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`create database ${name}`);
      } finally {
        await admin.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    restartImmediate: () => asPostgresAsync(join(bin, "pg_ctl"), ctlArgs(["restart", "-m", "immediate"])),
    stopImmediate: () => ctl(["stop", "-m", "immediate"]),
    start: () => ctl(["start"]),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      forget();
      try {
        ctl(["stop", "-m", "immediate"]);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
