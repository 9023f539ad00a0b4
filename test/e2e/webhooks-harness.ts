// Test-only: starts test/e2e/webhooks-worker.ts as a child process (so tests can kill -9 it or
// run several on one PostgreSQL) and waits for its "ready" line.
import { spawn, type ChildProcess } from "node:child_process";

const worker = new URL("./webhooks-worker.ts", import.meta.url).pathname;

/** A running worker process. */
export type WorkerProc = { child: ChildProcess; output(): string; kill9(): Promise<void>; stop(): Promise<void> };

const exited = (c: ChildProcess) =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once("exit", () => r()));

/** Spawns a worker with the given environment (DATABASE_URL or DATA_DIR, ALLOW, ...). */
export async function startWorker(env: Record<string, string>): Promise<WorkerProc> {
  const child = spawn(process.execPath, ["--import", "tsx", worker], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`worker did not start:\n${out}`)), 60_000);
    child.stdout!.on("data", () => {
      if (out.includes("ready")) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`worker exited with ${code}:\n${out}`));
    });
  });
  child.removeAllListeners("exit");
  return {
    child,
    output: () => out,
    async kill9() {
      child.kill("SIGKILL");
      await exited(child);
    },
    async stop() {
      child.kill("SIGTERM");
      await exited(child);
    },
  };
}
