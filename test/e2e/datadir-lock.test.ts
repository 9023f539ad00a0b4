// localserve's data-dir lock dies with its holder: after kill -9 the next start on the same
// dir succeeds at once (no wait for the dead process to be reaped, no pid guess), while a
// second localserve on the dir of a live one is refused with a message naming the holder.
// PGlite only: on PostgreSQL the data dir holds no database and is not locked.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { onPostgres } from "../helpers/db.js";
import { freePort, startLocalserveProc, type ServerProc } from "../helpers/proc.js";

const mainTs = new URL("../../src/main.ts", import.meta.url).pathname;

describe("localserve data-dir lock", { skip: onPostgres ? "PGlite only (the data dir holds the database)" : false }, () => {
  let proc: ServerProc;
  before(async () => (proc = await startLocalserveProc()));
  after(async () => proc?.cleanup());

  it("restarts at once after kill -9", { timeout: 120_000 }, async () => {
    await proc.kill9();
    await proc.restart(); // would fail with "in use by process" under a pid probe of a zombie
    const r = await fetch(`http://127.0.0.1:${proc.ports.http}/webapi/v0/`).catch(() => null);
    assert.ok(r, "the restarted process serves HTTP");
  });

  it("refuses a second live process on the same dir, naming the holder", { timeout: 120_000 }, async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const child = spawn(
      process.execPath,
      ["--import", "tsx", mainTs, "localserve", "--dir", proc.dir, "--smtp-port", String(ports[0]), "--submission-port", String(ports[1]), "--submissions-port", String(ports[2]), "--http-port", String(ports[3])],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    assert.notEqual(code, 0);
    assert.match(out, new RegExp(`data dir .* is in use by process ${proc.child.pid}; stop it first`));
  });
});
