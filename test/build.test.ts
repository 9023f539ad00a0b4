// The build that bin/postwire.js runs: dist/ counts only while its recorded source manifest
// matches src/ file by file, and the compiled tree runs the CLI like the sources do.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
// @ts-expect-error plain JS module shared by bin/postwire.js and scripts/build.mjs, no types
import { buildIsFresh, manifestName, sourceManifest } from "../scripts/build-manifest.mjs";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "postwire-build-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("build freshness", () => {
  const src = join(tmp, "src");
  const dist = join(tmp, "dist");
  const record = () => writeFileSync(join(dist, manifestName), JSON.stringify(sourceManifest(src)));
  mkdirSync(join(src, "db"), { recursive: true });
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(src, "main.ts"), "export {};\n");
  writeFileSync(join(src, "db", "worker.mjs"), "export {};\n");
  writeFileSync(join(src, "db", "open.test.ts"), "export {};\n");

  it("is stale without a recorded manifest and fresh with one", () => {
    assert.equal(buildIsFresh(src, dist), false);
    record();
    assert.equal(buildIsFresh(src, dist), true);
  });

  it("is stale after a source is edited, even to the same size, and after one is added or removed", () => {
    record();
    writeFileSync(join(src, "main.ts"), "export {}; \n");
    assert.equal(buildIsFresh(src, dist), false, "edited");
    record();
    utimesSync(join(src, "main.ts"), new Date(2001, 0, 1), new Date(2001, 0, 1));
    assert.equal(buildIsFresh(src, dist), false, "mtime moved back (a checkout of an older file)");
    record();
    writeFileSync(join(src, "db", "new.ts"), "export {};\n");
    assert.equal(buildIsFresh(src, dist), false, "added");
    record();
    rmSync(join(src, "db", "worker.mjs"));
    assert.equal(buildIsFresh(src, dist), false, "removed");
  });

  it("ignores test files, which are not part of the build", () => {
    record();
    writeFileSync(join(src, "db", "open.test.ts"), "export const changed = 1;\n");
    assert.equal(buildIsFresh(src, dist), true);
  });
});

describe("compiled CLI", () => {
  it("builds and runs commands from the compiled tree", async () => {
    const out = join(tmp, "out");
    await run(process.execPath, [join(root, "scripts", "build.mjs"), "--out", out], { cwd: root });
    const help = await run(process.execPath, [join(out, "main.js"), "--help"]);
    assert.match(help.stdout, /^usage: postwire <command>/);
    const cfg = join(tmp, "bad.yaml");
    writeFileSync(cfg, "smtp: [\n");
    const bad = await run(process.execPath, [join(out, "main.js"), "config", "check", cfg]).catch((e: { code: number; stderr: string }) => e);
    assert.equal((bad as { code: number }).code, 1);
    assert.match((bad as { stderr: string }).stderr, /^postwire: /);
  });
});
