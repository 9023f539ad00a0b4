import { createHash, randomBytes } from "node:crypto";
import { realpathSync, statSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { join } from "node:path";
import { DataDirLockedError } from "./errors.js";

// Longest Unix socket path (sun_path is 108 bytes on Linux, 104 on macOS, with its NUL).
const maxSocketPath = 100;

/**
 * Takes a data dir for this process: a Unix socket listener at `<dir>/postwire.lock`. Two
 * processes on one PGlite dir lose writes, so a second opener is refused, naming the holder's
 * pid. The kernel closes the listener when its process ends however it ends (kill -9
 * included), so no liveness guess is needed: a socket file nobody listens on (connect refused)
 * is stale and is taken over at once, and a reused pid means nothing. (A lock file created with
 * O_EXCL outlives its process; Node has no flock.) A data dir path too long for a socket uses
 * an abstract socket named after the dir on Linux. Returns the release function.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = socketPath(dir);
  const token = randomBytes(8).toString("hex");
  for (let tries = 0; tries < 5; tries++) {
    const server = createServer((c) => c.end(`${process.pid} ${token}\n`));
    server.unref();
    const err = await listen(server, path);
    if (!err) {
      // Between a stale file's removal and our bind another starter may have done the same:
      // only the listener the path reaches now holds the lock.
      const holder = await ask(path);
      if (holder.kind === "answer" && holder.token === token) return release(server);
      await close(server);
      throw new DataDirLockedError(dir, holder.kind === "answer" ? holder.pid : 0);
    }
    await close(server);
    if (err.code !== "EADDRINUSE") throw err;
    const ino = inode(path);
    const holder = await ask(path);
    if (holder.kind === "answer") throw new DataDirLockedError(dir, holder.pid);
    // Nobody listens: the holder is gone. Removed only if it is still the file found stale.
    if (holder.kind === "stale" && inode(path) === ino) rmStale(path);
  }
  throw new DataDirLockedError(dir, 0);
}

function socketPath(dir: string): string {
  const path = join(dir, "postwire.lock");
  if (Buffer.byteLength(path) <= maxSocketPath) return path;
  if (process.platform !== "linux") throw new Error(`data dir path ${dir} is too long for its lock socket (at most ${maxSocketPath - 14} bytes)`);
  return `\0postwire-lock-${createHash("sha256").update(realpathSync(dir)).digest("hex").slice(0, 32)}`;
}

function listen(server: Server, path: string): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err));
    server.listen(path, () => resolve(null));
  });
}

type Holder = { kind: "answer"; pid: number; token: string } | { kind: "stale" } | { kind: "unknown" };

/** Connects to the lock socket and reads the holder's `pid token` line. */
function ask(path: string): Promise<Holder> {
  return new Promise((resolve) => {
    let data = "";
    const c = createConnection(path);
    const done = (h: Holder) => (c.destroy(), resolve(h));
    c.setTimeout(5000, () => done({ kind: "unknown" }));
    c.on("data", (d: Buffer) => (data += d.toString()));
    c.on("end", () => {
      const [pid, token] = data.trim().split(" ");
      done(token ? { kind: "answer", pid: Number(pid), token } : { kind: "unknown" });
    });
    c.on("error", (err: NodeJS.ErrnoException) => done(err.code === "ECONNREFUSED" || err.code === "ENOENT" ? { kind: "stale" } : { kind: "unknown" }));
  });
}

function inode(path: string): number | null {
  if (path.startsWith("\0")) return null;
  try {
    return statSync(path).ino;
  } catch {
    return null; // gone already
  }
}

function rmStale(path: string): void {
  if (path.startsWith("\0")) return; // abstract: nothing on disk
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}

function release(server: Server): () => Promise<void> {
  let done: Promise<void> | null = null;
  // Closing the listener removes its socket file (libuv unlinks it).
  return () => (done ??= close(server));
}
