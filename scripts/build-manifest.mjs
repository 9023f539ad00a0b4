// What a build of src/ is made from: every source file with its size and modification time.
// scripts/build.mjs records it in dist/ and bin/postwire.js compares it with src/ before it
// runs dist/, so an edited, pulled or checked-out tree is never served by an older build.
// Stat only (about 250 files, a few milliseconds): no file is read.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** File name of the manifest inside the build directory. */
export const manifestName = "build-manifest.json";

/**
 * True for a file the build compiles (.ts, but neither tests nor the `test-*.ts` fixtures that
 * tests beside the code import) or copies (.mjs workers).
 */
export function isBuildInput(name) {
  if (name.startsWith("test-") || name.endsWith(".test.ts")) return false;
  return name.endsWith(".ts") || name.endsWith(".mjs");
}

/** Sorted [path relative to srcDir, size, mtime ms] of every build input under srcDir. */
export function sourceManifest(srcDir) {
  const out = [];
  const walk = (rel) => {
    for (const e of readdirSync(join(srcDir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (isBuildInput(e.name)) {
        const st = statSync(join(srcDir, r));
        out.push([r, st.size, st.mtimeMs]);
      }
    }
  };
  walk("");
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** True when buildDir holds a complete build of exactly the sources now in srcDir. */
export function buildIsFresh(srcDir, buildDir) {
  let recorded;
  try {
    recorded = readFileSync(join(buildDir, manifestName), "utf8");
  } catch {
    return false; // never built, or the build was removed
  }
  try {
    return recorded === JSON.stringify(sourceManifest(srcDir));
  } catch {
    return false; // no src/ to compare with: trust nothing
  }
}
