// A production install as an image build does it: the committed tree (git archive HEAD) installed
// with `npm ci --omit=dev`, then `node bin/postwire.js serve`. Runs offline against the local npm
// cache (about 40 s here); skipped when the cache lacks a package, since fetching is not a test.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { freePort } from "../helpers/proc.js";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;

describe("npm ci --omit=dev && node bin/postwire.js serve", () => {
  let dir: string;
  let skip: string | null = null;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "postwire-install-"));
    await run("bash", ["-c", `git -C '${root}' archive HEAD | tar -x -C '${dir}'`]);
    try {
      await run("npm", ["ci", "--omit=dev", "--offline", "--no-audit", "--no-fund"], {
        cwd: dir,
        env: { ...process.env, POSTWIRE_SKIP_WARM: "1", npm_config_loglevel: "error" },
        timeout: 600_000,
        maxBuffer: 16 << 20,
      });
    } catch (err) {
      const text = String((err as { stderr?: string }).stderr ?? err);
      if (/ENOTCACHED|offline/i.test(text)) skip = "a package is not in the local npm cache";
      else throw err;
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("installs no dev dependency, builds dist/ at install, and the tsx fallback is there too", async (t) => {
    if (skip) return t.skip(skip);
    for (const dev of ["typescript", "drizzle-kit", "fast-check", "playwright-core"]) assert.ok(!existsSync(join(dir, "node_modules", dev)), `${dev} not installed`);
    assert.ok(existsSync(join(dir, "dist", "main.js")), "dist/ built by postinstall");
    const v = await run(process.execPath, [join(dir, "bin", "postwire.js"), "--version"], { cwd: dir });
    assert.match(v.stdout, /^postwire \d+\.\d+\.\d+\n$/);
    const fromSource = await run(process.execPath, [join(dir, "bin", "postwire.js"), "--help"], { cwd: dir, env: { ...process.env, POSTWIRE_FROM_SOURCE: "1" } });
    assert.match(fromSource.stdout, /^usage: postwire <command>/);
  });

  it("serve starts from the production install, greets on SMTP, answers /healthz, and stops on SIGTERM", async (t) => {
    if (skip) return t.skip(skip);
    const smtp = await freePort();
    const http = await freePort();
    writeFileSync(
      join(dir, "postwire.yaml"),
      `hostname: mx.example.test\ndataDir: ./data\nsmtp:\n  mx: {host: 127.0.0.1, port: ${smtp}}\n  submission: {enabled: false}\n  submissions: {enabled: false}\nhttp: {host: 127.0.0.1, port: ${http}}\n`,
    );
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ["bin/postwire.js", "serve", "--config", "postwire.yaml"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const onData = (d: Buffer) => {
          out += d.toString();
          if (out.includes("postwire serving")) resolve();
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        void exited.then((code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
      });
      const greeting = await new Promise<string>((resolve, reject) => {
        const s = connect(smtp, "127.0.0.1");
        s.once("data", (d) => (s.end(), resolve(d.toString())));
        s.once("error", reject);
      });
      assert.match(greeting, /^220 mx\.example\.test /);
      const health = await fetch(`http://127.0.0.1:${http}/healthz`);
      assert.equal(health.status, 200);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0, out);
  });
});
