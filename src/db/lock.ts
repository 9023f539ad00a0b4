import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { DataDirLockedError } from "./errors.js";

/**
 * Takes an exclusive lock on a data dir: a lock file holding our pid, created with O_EXCL.
 * Two processes on one PGlite dir lose writes, so a second opener must fail. A lock left by a
 * process that no longer exists (kill -9) is taken over.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, "postwire.lock");
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(path, "utf8").trim());
      if (pid && pid !== process.pid && isAlive(pid)) throw new DataDirLockedError(dir, pid);
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new DataDirLockedError(dir, 0);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
