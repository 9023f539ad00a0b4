// Postfix's smtp-source as the load generator for SMTP accept (same commands as shared/bench.md):
// `smtp-source -s CONC -m N -l SIZE -f a@test.example -t b@test.example [-d] 127.0.0.1:PORT`.
import { spawn } from "node:child_process";
import { release, track } from "./proc.js";

/** One smtp-source run's outcome. */
export interface SourceRun {
  rate: number;
  seconds: number;
  /** Warnings/errors smtp-source printed (rejections, timeouts); 0 on a clean run. */
  problems: number;
  firstProblem?: string;
}

/**
 * Sends `n` messages of `size` body bytes over `conc` sessions; `reuse` keeps one connection per
 * session (-d). Returns msgs/s over wall time, or throws if smtp-source fails or times out.
 */
export function runSmtpSource(port: number, n: number, size: number, conc: number, reuse: boolean,
  timeoutMs = 120_000): Promise<SourceRun> {
  const args = ["-s", String(conc), "-m", String(n), "-l", String(size),
    "-f", "a@test.example", "-t", "b@test.example", ...(reuse ? ["-d"] : []), `127.0.0.1:${port}`];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn("smtp-source", args, { detached: true, stdio: ["ignore", "ignore", "pipe"] });
    const pid = p.pid ?? -1;
    const kill = () => { try { process.kill(-pid, "SIGKILL"); } catch { /* gone */ } };
    const res = track({ name: "smtp-source", kill, stop: async () => kill() });
    let err = "";
    p.stderr!.on("data", (b: Buffer) => { if (err.length < 20000) err += b.toString(); });
    const timer = setTimeout(kill, timeoutMs);
    p.on("exit", (code, sig) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      void release(res);
      const lines = err.split("\n").filter((l) => /warning|fatal|error/i.test(l));
      if (code !== 0) return reject(new Error(`smtp-source exited ${code ?? sig}: ${(lines[0] ?? err).slice(0, 200)}`));
      resolve({ rate: n / seconds, seconds, problems: lines.length, firstProblem: lines[0] });
    });
  });
}
