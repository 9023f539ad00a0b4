#!/usr/bin/env node
// Runs the test suite with node:test. Node 20's --test does not expand globs
// and finds no .ts files in a folder, so the files are listed here explicitly.
// Usage: node scripts/run-tests.mjs [--torture] [file filter substrings...]
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const torture = args.includes("--torture");
const filters = args.filter((a) => !a.startsWith("--"));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

let files = [...walk("src"), ...walk("test")].sort();
files = files.filter((f) => (torture ? f.includes("torture") && !f.endsWith(".short.test.ts") : !f.includes(`torture${"/"}long`)));
if (!torture) files = files.filter((f) => !f.includes("/torture/") || f.endsWith(".short.test.ts"));
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  // The long torture files run for hours and set their own per-test timeouts.
  ["--import", "tsx", "--test", "--test-concurrency=1", `--test-timeout=${torture ? 8 * 3600_000 : 300_000}`, ...files],
  { stdio: "inherit" },
);
process.exit(r.status ?? 1);
