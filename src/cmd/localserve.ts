import { banner, localserveDefaults, startLocalserve, type LocalserveFlags } from "../localserve/index.js";
import { createLogger } from "../log/index.js";
import { runUntilSignal } from "./signals.js";

/** `postwire localserve [--dir DIR] [--smtp-port N] ...`: dev mode with mox's defaults. */
export async function localserveCommand(flags: Partial<LocalserveFlags>): Promise<void> {
  const f: LocalserveFlags = { ...localserveDefaults, ...flags };
  const log = createLogger({ level: f.logLevel });
  const t0 = performance.now();
  const app = await startLocalserve(f, log);
  process.stdout.write(banner(app, f.dir, f.host, Math.round(performance.now() - t0)) + "\n");
  await runUntilSignal(log, () => app.stop());
}
