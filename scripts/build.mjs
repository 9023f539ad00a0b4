#!/usr/bin/env node
// `npm run build` (and npm ci, through postinstall): compiles src/ to dist/ with esbuild, file by
// file (types are stripped, nothing is bundled, so relative paths such as ../../drizzle and the
// worker files resolve as they do from src/), copies the .mjs workers, and records the source
// manifest last so a half-written dist/ never counts as a build. bin/postwire.js runs dist/ only
// while that manifest matches src/. Type checking stays with `npm run typecheck`.
import { cpSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isBuildInput, manifestName, sourceManifest } from "./build-manifest.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const src = join(root, "src");
// `--out DIR` builds elsewhere (the build test); bin/postwire.js only ever runs dist/.
const outArg = process.argv.indexOf("--out");
const dist = outArg > 0 && process.argv[outArg + 1] ? process.argv[outArg + 1] : join(root, "dist");

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  // Installed without devDependencies: bin/postwire.js runs the sources through tsx instead.
  console.warn("postwire: esbuild is not installed, skipping the build (postwire runs src/ through tsx)");
  process.exit(0);
}

const t0 = Date.now();
const manifest = sourceManifest(src); // taken first: a file edited during the build makes it stale
const tmp = `${dist}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
const ts = manifest.map(([f]) => f).filter((f) => f.endsWith(".ts"));
await esbuild.build({
  entryPoints: ts.map((f) => join(src, f)),
  outbase: src,
  outdir: tmp,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
});
for (const [f] of manifest) {
  if (!f.endsWith(".mjs") || !isBuildInput(f)) continue;
  mkdirSync(dirname(join(tmp, f)), { recursive: true });
  cpSync(join(src, f), join(tmp, f));
}
writeFileSync(join(tmp, manifestName), JSON.stringify(manifest));
rmSync(dist, { recursive: true, force: true });
renameSync(tmp, dist);
console.log(`postwire: built ${outArg > 0 ? dist : "dist/"} from ${ts.length} files in ${Date.now() - t0} ms`);
