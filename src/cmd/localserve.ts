import { banner, localserveDefaults, startLocalserve, type LocalserveFlags } from "../localserve/index.js";
import { createLogger } from "../log/index.js";
import { runUntilSignal } from "./signals.js";

/**
 * `postwire localserve [--dir DIR] [--smtp-port N] ...`: dev mode with mox's defaults. The log
 * goes to stdout (pretty on a terminal, JSON otherwise); the human banner goes to stderr, and
 * the same facts are logged as fields (`localserve ready`), so stdout stays one JSON line each.
 */
export async function localserveCommand(flags: Partial<LocalserveFlags>): Promise<void> {
  const f: LocalserveFlags = { ...localserveDefaults, ...flags };
  const log = createLogger({ level: f.logLevel });
  const t0 = performance.now();
  const app = await startLocalserve(f, log);
  const ms = Math.round(performance.now() - t0);
  log.info({ ports: app.ports, dir: f.dir, host: f.host, startMs: ms }, "localserve ready");
  process.stderr.write(banner(app, f.dir, f.host, ms) + "\n");
  await runUntilSignal(log, () => app.stop(), app.shutdownGraceMs);
}
