// PROC harness: runs Postwire as a real child process (so tests can kill -9 it), on a PGlite dir
// or a fresh PostgreSQL database when TEST_DATABASE_URL is set.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { createTestDatabaseUrl } from "./db.js";

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export type Ports = { smtp: number; submission: number; submissions: number; http: number };

export type ServerProc = {
  ports: Ports;
  dir: string;
  databaseUrl: string | null;
  child: ChildProcess;
  output(): string;
  /** Starts the process again on the same data (after stop or kill). */
  restart(extraEnv?: Record<string, string>): Promise<void>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the process and removes its data. */
  cleanup(): Promise<void>;
};

const mainTs = new URL("../../src/main.ts", import.meta.url).pathname;

/** Starts `postwire localserve` on free ports and waits for its banner. */
export async function startLocalserveProc(o: { args?: string[]; env?: Record<string, string> } = {}): Promise<ServerProc> {
  const dir = mkdtempSync(join(tmpdir(), "postwire-proc-"));
  const pg = await createTestDatabaseUrl();
  const ports: Ports = { smtp: await freePort(), submission: await freePort(), submissions: await freePort(), http: await freePort() };
  let child!: ChildProcess;
  let out = "";
  const start = async (extraEnv: Record<string, string> = {}) => {
    out = "";
    child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        mainTs,
        "localserve",
        "--dir",
        dir,
        "--smtp-port",
        String(ports.smtp),
        "--submission-port",
        String(ports.submission),
        "--submissions-port",
        String(ports.submissions),
        "--http-port",
        String(ports.http),
        "--log-level",
        "warn",
        ...(o.args ?? []),
      ],
      { env: { ...process.env, ...(pg ? { DATABASE_URL: pg.url } : {}), ...o.env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
      const check = () => {
        if (out.includes("ready in")) {
          clearTimeout(t);
          resolve();
        }
      };
      child.stdout!.on("data", check);
      child.stderr!.on("data", check); // the banner goes to stderr, the log to stdout
      child.once("exit", (code) => {
        clearTimeout(t);
        reject(new Error(`server exited with ${code}:\n${out}`));
      });
    });
    child.removeAllListeners("exit");
  };
  const waitExit = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once("exit", () => r()));
  // A free port can be taken by another process between freePort() and the child's listen:
  // on EADDRINUSE at first start, pick new ports and start again.
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test(String(err))) throw err;
      Object.assign(ports, { smtp: await freePort(), submission: await freePort(), submissions: await freePort(), http: await freePort() });
    }
  }
  const proc: ServerProc = {
    ports,
    dir,
    databaseUrl: pg?.url ?? null,
    get child() {
      return child;
    },
    output: () => out,
    restart: start,
    async kill9() {
      child.kill("SIGKILL");
      await waitExit(child);
    },
    async stop() {
      child.kill("SIGTERM");
      await waitExit(child);
    },
    async cleanup() {
      child.kill("SIGKILL");
      await waitExit(child);
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return proc;
}

/** A `postwire serve` child process with a configuration file the test writes. */
export type ServeProc = {
  dir: string;
  databaseUrl: string | null;
  readonly child: ChildProcess;
  output(): string;
  /** Writes the configuration (built from the data dir) and starts the process again. */
  restart(config?: (dir: string) => Record<string, unknown>): Promise<void>;
  /** Resolves with the exit code and signal once the process has exited. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  cleanup(): Promise<void>;
};

/**
 * Starts `postwire serve --config FILE` on a fresh data dir (PGlite) or a fresh PostgreSQL
 * database when TEST_DATABASE_URL is set, and waits for its "postwire serving" log line.
 */
export async function startServeProc(config: (dir: string) => Record<string, unknown>, o: { env?: Record<string, string> } = {}): Promise<ServeProc> {
  const dir = mkdtempSync(join(tmpdir(), "postwire-serve-"));
  const pg = await createTestDatabaseUrl();
  const configFile = join(dir, "postwire.yaml");
  let child!: ChildProcess;
  let out = "";
  let current = config;
  const exited = () =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
      : new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once("exit", (code, signal) => r({ code, signal })));
  const start = async (next?: (dir: string) => Record<string, unknown>) => {
    current = next ?? current;
    writeFileSync(configFile, stringifyYaml({ dataDir: join(dir, "data"), ...current(dir) }));
    out = "";
    child = spawn(process.execPath, ["--import", "tsx", mainTs, "serve", "--config", configFile], {
      env: { ...process.env, ...(pg ? { DATABASE_URL: pg.url } : {}), ...o.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 60_000);
      const onExit = (code: number | null) => {
        clearTimeout(t);
        reject(new Error(`serve exited with ${code}:\n${out}`));
      };
      // The log goes to stdout or stderr depending on the logger's setup: watch both.
      const check = () => {
        if (!out.includes('"postwire serving"')) return;
        clearTimeout(t);
        child.stdout!.off("data", check);
        child.stderr!.off("data", check);
        child.off("exit", onExit);
        resolve();
      };
      child.stdout!.on("data", check);
      child.stderr!.on("data", check);
      child.once("exit", onExit);
    });
  };
  await start();
  return {
    dir,
    databaseUrl: pg?.url ?? null,
    get child() {
      return child;
    },
    output: () => out,
    restart: start,
    exited,
    async cleanup() {
      child.kill("SIGKILL");
      await exited();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
