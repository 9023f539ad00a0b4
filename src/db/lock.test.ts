import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DataDirLockedError } from "./errors.js";
import { lockDataDir } from "./lock.js";

const lockTs = new URL("./lock.ts", import.meta.url).pathname;

/** A child process holding the lock of `dir` until killed. */
async function holder(dir: string) {
  const code = `const { lockDataDir } = await import(${JSON.stringify(lockTs)}); await lockDataDir(${JSON.stringify(dir)}); console.log("locked"); setInterval(() => {}, 1e9);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("locked") && resolve());
    child.once("exit", (c) => reject(new Error(`holder exited with ${c}`)));
  });
  return child;
}

describe("data dir lock", () => {
  const base = mkdtempSync(join(tmpdir(), "postwire-lock-"));
  after(() => rmSync(base, { recursive: true, force: true }));

  it("refuses a second holder while the first lives, naming its pid, and is free again after release", async () => {
    const dir = join(base, "a");
    mkdirSync(dir);
    const unlock = await lockDataDir(dir);
    await assert.rejects(lockDataDir(dir), (err: unknown) => err instanceof DataDirLockedError && err.message.includes(`process ${process.pid}`));
    await unlock();
    const again = await lockDataDir(dir);
    await again();
  });

  it("is taken over at once after its holder is killed with SIGKILL (its socket file left behind)", async () => {
    const dir = join(base, "b");
    mkdirSync(dir);
    const child = await holder(dir);
    await assert.rejects(lockDataDir(dir), (err: unknown) => err instanceof DataDirLockedError && err.message.includes(`process ${child.pid}`));
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    assert.ok(existsSync(join(dir, "postwire.lock")), "the dead holder's socket file is still there");
    const unlock = await lockDataDir(dir);
    await unlock();
  });

  it("works for a data dir path too long for a socket file (abstract socket)", { skip: process.platform !== "linux" }, async () => {
    const dir = join(base, "x".repeat(60), "y".repeat(60));
    mkdirSync(dir, { recursive: true });
    const child = await holder(dir);
    await assert.rejects(lockDataDir(dir), DataDirLockedError);
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    const unlock = await lockDataDir(dir);
    await unlock();
  });
});
