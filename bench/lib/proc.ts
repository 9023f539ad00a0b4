// Processes the harness starts: spawned in their own process group, registered for cleanup,
// and killed as a group on normal exit, errors and Ctrl-C. Also: free ports, port polling, sh().
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createServer, connect } from "node:net";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Something the harness started and must stop: `stop` is graceful, `kill` is sync (exit path). */
export interface Resource {
  name: string;
  stop(): Promise<void>;
  kill(): void;
}

const resources: Resource[] = [];
let handlersInstalled = false;

/** Registers a resource for cleanup; returns it. Stopped in reverse order. */
export function track<T extends Resource>(r: T): T {
  installHandlers();
  resources.push(r);
  return r;
}

/** Stops one tracked resource gracefully and forgets it. */
export async function release(r: Resource): Promise<void> {
  const i = resources.indexOf(r);
  if (i >= 0) resources.splice(i, 1);
  await r.stop().catch(() => r.kill());
}

/** Stops every tracked resource, newest first; with `keep`, only those tracked after the first `keep`. */
export async function releaseAll(keep = 0): Promise<void> {
  while (resources.length > keep) await release(resources[resources.length - 1]!);
}

/** How many resources are tracked now (pass to releaseAll to stop only newer ones). */
export function trackedCount(): number {
  return resources.length;
}

function killAllSync(): void {
  while (resources.length) {
    const r = resources.pop()!;
    try { r.kill(); } catch { /* best effort on the exit path */ }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", killAllSync);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping everything it started\n`);
      killAllSync();
      process.exit(130);
    });
  }
}

/** A child in its own process group, with its output tail kept for error messages. */
export interface Child extends Resource {
  proc: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
  tail(): string;
}

/** Spawns `cmd` detached (new process group) and tracks it; the group is killed on cleanup. */
export function startChild(name: string, cmd: string, args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Child {
  const proc = spawn(cmd, args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env: opts.env ?? process.env, cwd: opts.cwd });
  let out = "";
  const keep = (b: Buffer) => { out = (out + b.toString()).slice(-4000); };
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  const exited = new Promise<number | null>((res) => {
    proc.on("exit", (code) => res(code));
    proc.on("error", (e) => { out += String(e); res(-1); });
  });
  const pid = proc.pid ?? -1;
  let dead = false;
  void exited.then(() => { dead = true; });
  const signal = (s: NodeJS.Signals) => { try { process.kill(-pid, s); } catch { /* already gone */ } };
  const child: Child = {
    name, proc, pid, exited, tail: () => out,
    kill: () => signal("SIGKILL"),
    stop: async () => {
      if (dead) return signal("SIGKILL");
      signal("SIGTERM");
      const t = await Promise.race([exited.then(() => "ok"), sleep(5000, "timeout")]);
      signal("SIGKILL"); // leftover grandchildren of the group
      if (t === "timeout") await exited;
    },
  };
  return track(child);
}

/** Runs a command synchronously and returns stdout ("" on failure when `ok` is true). */
export function sh(cmd: string, args: string[], opts: { ok?: boolean; input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], input: opts.input, env: opts.env, cwd: opts.cwd, maxBuffer: 64 << 20 });
  } catch (e) {
    if (opts.ok) return "";
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")}: ${(err.stderr || err.stdout || err.message).trim().slice(0, 500)}`);
  }
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** Connects once and resolves with the first line the server sends ("" if none within 2 s). */
export function firstLine(port: number): Promise<string> {
  return new Promise((res) => {
    const s = connect(port, "127.0.0.1");
    let buf = "";
    const done = (v: string) => { s.destroy(); res(v); };
    s.setTimeout(2000, () => done(""));
    s.on("data", (b) => { buf += b.toString(); const i = buf.indexOf("\n"); if (i >= 0) done(buf.slice(0, i).trim()); });
    s.on("error", () => done(""));
    s.on("close", () => done(buf.trim()));
  });
}

/** Polls `port` until it answers with an SMTP 220 greeting; returns ms waited, or throws. */
export async function waitSmtp(port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (!alive()) throw new Error("process exited before it was ready");
    if ((await firstLine(port)).startsWith("220")) return performance.now() - t0;
    await sleep(20);
  }
  throw new Error(`no 220 greeting on port ${port} within ${timeoutMs} ms`);
}

/** Resident set size in bytes of a process group (sum over its members), from /proc. */
/** CPU seconds (user + system) used so far by the processes of a process group (Linux /proc). */
export function groupCpuSeconds(pgid: number): number {
  const tick = Number(sh("getconf", ["CLK_TCK"], { ok: true }).trim()) || 100;
  let ticks = 0;
  for (const pid of sh("pgrep", ["-g", String(pgid)], { ok: true }).split(/\s+/).filter(Boolean)) {
    let stat = "";
    try { stat = readFileSync(`/proc/${pid}/stat`, "utf8"); } catch { continue; /* exited meanwhile */ }
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / tick;
}

export function groupRss(pgid: number): number {
  let total = 0;
  for (const pid of sh("pgrep", ["-g", String(pgid)], { ok: true }).split(/\s+/).filter(Boolean)) {
    let status = "";
    try { status = readFileSync(`/proc/${pid}/status`, "utf8"); } catch { continue; /* exited meanwhile */ }
    const m = status.match(/VmRSS:\s+(\d+) kB/);
    if (m) total += Number(m[1]) * 1024;
  }
  return total;
}
