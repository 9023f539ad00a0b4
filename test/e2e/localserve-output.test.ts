// localserve's output as a process: with stdout not a terminal, stdout carries only JSON log
// lines (the `localserve ready` line with its ports, then one `message accepted` per message
// sent with python3 smtplib), the human banner goes to stderr, and the HTTP port serves
// /metrics, /healthz and /readyz.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createTestDatabaseUrl } from "../helpers/db.js";
import { freePort } from "../helpers/proc.js";

const mainTs = new URL("../../src/main.ts", import.meta.url).pathname;

describe("localserve output: JSON on stdout, banner on stderr, ops endpoints on the HTTP port", () => {
  let child: ChildProcess;
  let stdout = "";
  let stderr = "";
  let dir: string;
  let pg: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
  const ports = { smtp: 0, http: 0 };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "postwire-lsout-"));
    pg = await createTestDatabaseUrl();
    ports.smtp = await freePort();
    ports.http = await freePort();
    const args = ["--import", "tsx", mainTs, "localserve", "--dir", dir, "--smtp-port", String(ports.smtp), "--http-port", String(ports.http), "--submission-port", "0", "--submissions-port", "0"];
    child = spawn(process.execPath, args, { env: { ...process.env, ...(pg ? { DATABASE_URL: pg.url } : {}) }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`localserve did not start:\n${stdout}\n${stderr}`)), 60_000);
      child.stderr!.on("data", () => {
        if (stderr.includes("ready in")) {
          clearTimeout(t);
          resolve();
        }
      });
      child.once("exit", (code) => reject(new Error(`localserve exited with ${code}:\n${stderr}`)));
    });
  });
  after(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes only JSON lines to stdout, the banner to stderr, and a line per accepted message", async () => {
    const py = spawnSync("python3", ["-c", `import smtplib
s = smtplib.SMTP("127.0.0.1", ${ports.smtp})
s.sendmail("app@example.com", ["you@example.com"], "Subject: hi\\r\\n\\r\\nhello\\r\\n")
s.quit()`], { encoding: "utf8" });
    assert.equal(py.status, 0, py.stderr);
    const deadline = Date.now() + 20_000;
    while (!stdout.includes('"message accepted"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const lines = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const ready = lines.find((l) => l.msg === "localserve ready");
    assert.ok(ready, stdout);
    assert.deepEqual((ready.ports as Record<string, unknown>).smtp, ports.smtp);
    const accepted = lines.find((l) => l.msg === "message accepted");
    assert.ok(accepted, stdout);
    assert.equal(accepted.mailFrom, "app@example.com");
    assert.equal(accepted.listener, "mx");
    assert.match(stderr, /postwire localserve ready in \d+ ms/);
    assert.match(stderr, new RegExp(`metrics: +http://127\\.0\\.0\\.1:${ports.http}/metrics`));
    assert.ok(!stdout.includes("ready in"), "the banner is not on stdout");
  });

  it("serves /metrics, /healthz and /readyz on its HTTP port", async () => {
    const base = `http://127.0.0.1:${ports.http}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { ready: boolean }).ready, true);
    const m = await (await fetch(`${base}/metrics`)).text();
    assert.match(m, /^postwire_messages_accepted_total\{listener="mx"\} 1$/m);
    assert.match(m, /^# TYPE nodejs_eventloop_lag_seconds gauge$/m);
  });
});
