import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { DatabaseOpenError } from "./errors.js";

/** A PGlite database running in a worker thread, reachable on a unix socket. */
export type PgliteHost = { socketPath: string; close(): Promise<void> };

/** Starts PGlite on `dataDir` in a worker thread and waits until its socket accepts connections. */
export async function startPgliteHost(dataDir: string): Promise<PgliteHost> {
  // A private 0700 directory for the socket: the database has no password.
  const sockDir = mkdtempSync(join(tmpdir(), "postwire-pg-"));
  const socketPath = join(sockDir, ".s.PGSQL.5432");
  const worker = new Worker(new URL("./pglite-worker.mjs", import.meta.url), {
    workerData: { dataDir, socketPath },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once("message", (m: { type: string; message?: string }) =>
      m.type === "ready" ? resolve() : reject(new DatabaseOpenError(`starting PGlite in ${dataDir}: ${m.message}`)),
    );
    worker.once("error", (err) => reject(new DatabaseOpenError(`starting PGlite in ${dataDir}`, { cause: err })));
  });
  let closed: Promise<void> | undefined;
  return {
    socketPath,
    close() {
      closed ??= (async () => {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 10_000);
          worker.on("message", (m: { type: string }) => m.type === "closed" && (clearTimeout(t), resolve()));
          worker.postMessage({ type: "close" });
        });
        await worker.terminate();
        rmSync(sockDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
