#!/usr/bin/env node
// Regenerates the migrations from src/db/schema with drizzle-kit.
// Until the first release there is one migration, 0000_init: it is rebuilt from scratch so
// concurrent schema work never produces conflicting numbered files. After the first release
// remove the rm step: released migrations are never edited.
import { rmSync } from "node:fs";
import { spawnSync } from "node:child_process";

rmSync("drizzle", { recursive: true, force: true });
const r = spawnSync("npx", ["drizzle-kit", "generate", "--name", "init"], { stdio: "inherit" });
process.exit(r.status ?? 1);
