#!/usr/bin/env node
// Entry point for the `postwire` command. Runs the compiled build in dist/ (made by
// `npm run build`, which npm ci runs) when its recorded source manifest matches src/ file by file;
// otherwise, after an edit, a pull or a checkout, runs src/main.ts through tsx, which is slower to
// start but never stale. POSTWIRE_FROM_SOURCE=1 always runs the sources.
import { fileURLToPath } from "node:url";
import { buildIsFresh } from "../scripts/build-manifest.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
if (!process.env.POSTWIRE_FROM_SOURCE && buildIsFresh(here("../src"), here("../dist"))) {
  await import("../dist/main.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/main.ts");
}
