// Runs `postwire serve --config FILE` (or any other command) as a real child process from the
// sources, with a config written to a temporary file.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { freePort } from "./proc.js";

const mainTs = new URL("../../src/main.ts", import.meta.url).pathname;
const run = promisify(execFile);

/** A running `serve` process and its listener ports. */
export type ServeProc = { child: ChildProcess; ports: { smtp: number; http: number }; output(): string; stop(): Promise<void> };

/** Output and exit code of one `postwire` command run to its end. */
export async function postwire(args: string[], o: { env?: Record<string, string>; input?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = run(process.execPath, ["--import", "tsx", mainTs, ...args], { env: { ...process.env, ...o.env }, timeout: 120_000 });
  if (o.input !== undefined) {
    p.child.stdin!.end(o.input);
  }
  return p.then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** Writes `config` (with free MX and HTTP ports) to `<dir>/<name>.yaml` and starts serve on it. */
export async function startServe(dir: string, name: string, config: Record<string, unknown>): Promise<ServeProc> {
  const ports = { smtp: await freePort(), http: await freePort() };
  const listener = (port: number) => ({ enabled: true, host: "127.0.0.1", port });
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      ...config,
      smtp: { mx: listener(ports.smtp), submission: { enabled: false }, submissions: { enabled: false }, ...(config.smtp as object) },
      http: { enabled: true, host: "127.0.0.1", port: ports.http },
    }),
  );
  const child = spawn(process.execPath, ["--import", "tsx", mainTs, "serve", "--config", file], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`serve did not start:\n${out}`));
    }, 90_000);
    const check = () => {
      if (out.includes("postwire serving")) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
  child.removeAllListeners("exit");
  return {
    child,
    ports,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(t);
    },
  };
}
