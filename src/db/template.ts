import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { migrationsFolder } from "./migrate.js";

/**
 * A fresh PGlite data dir costs a WASM initdb of ~8 s. We pay it once per PGlite version and
 * schema: the first run builds a migrated template in the user's cache dir (npm postinstall
 * warms it), and every new data dir is a file copy of it (~1 s).
 */
export function templateDir(): string {
  if (process.env.POSTWIRE_TEMPLATE_DIR) return process.env.POSTWIRE_TEMPLATE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "postwire", `pglite-${pgliteVersion()}-${schemaHash()}`);
}

function pgliteVersion(): string {
  // The package does not export ./package.json: walk up from its entry point instead.
  let dir = dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
}

function schemaHash(): string {
  const h = createHash("sha256");
  for (const f of readdirSync(migrationsFolder).filter((n) => n.endsWith(".sql")).sort()) {
    h.update(f).update(readFileSync(join(migrationsFolder, f)));
  }
  // The journal too: drizzle's migrator replays a migration whose journal time is newer than the
  // one recorded, so a template made from the same SQL under another journal would not open.
  const journal = join(migrationsFolder, "meta", "_journal.json");
  if (existsSync(journal)) h.update(readFileSync(journal));
  return h.digest("hex").slice(0, 12);
}

/** True when `dir` already holds a PGlite cluster. */
export function isPgliteDir(dir: string): boolean {
  return existsSync(join(dir, "PG_VERSION"));
}

/**
 * Makes sure `dataDir` holds a PGlite cluster, copying the cached template (building it first
 * if needed). `build` creates and migrates a cluster in the given directory.
 */
export async function preparePgliteDir(
  dataDir: string,
  build: (dir: string) => Promise<void>,
  log?: Logger,
): Promise<void> {
  if (isPgliteDir(dataDir)) return;
  const tpl = templateDir();
  if (!existsSync(join(tpl, ".complete"))) {
    try {
      await buildTemplate(tpl, build, log);
    } catch (err) {
      // No writable cache: build straight into the data dir (slow path, still correct).
      log?.warn({ err, tpl }, "cannot build pglite template, initialising data dir directly");
      mkdirSync(dataDir, { recursive: true });
      await build(dataDir);
      return;
    }
  }
  mkdirSync(dirname(dataDir), { recursive: true });
  const tmp = `${dataDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  cpSync(tpl, tmp, { recursive: true, filter: (src) => !src.endsWith(".complete") });
  rmSync(dataDir, { recursive: true, force: true }); // an empty or half-made dir from a crash
  renameSync(tmp, dataDir);
}

async function buildTemplate(tpl: string, build: (dir: string) => Promise<void>, log?: Logger): Promise<void> {
  const t0 = Date.now();
  const tmp = `${tpl}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    await build(tmp);
    writeFileSync(join(tmp, ".complete"), new Date().toISOString());
    try {
      renameSync(tmp, tpl);
    } catch (err) {
      // Another process built it first; theirs is as good as ours.
      if (!existsSync(join(tpl, ".complete"))) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  log?.info({ ms: Date.now() - t0, tpl }, "built pglite template");
}
