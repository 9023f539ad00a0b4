#!/usr/bin/env node
// npm postinstall: builds the cached PGlite template (initdb + migrations, ~8 s once) so the
// first `postwire localserve` and the tests start in about a second. Never fails the install.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

if (process.env.POSTWIRE_SKIP_WARM || !existsSync("src/db/index.ts")) process.exit(0);
const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/warm-template.ts"], { stdio: "inherit" });
if (r.status !== 0) console.warn("postwire: could not prebuild the PGlite template; the first start will build it");
