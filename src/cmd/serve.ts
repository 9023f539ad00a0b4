import { startApp } from "../app/index.js";
import { loadConfigFile } from "../config/index.js";
import { createLogger } from "../log/index.js";
import { runUntilSignal } from "./signals.js";

/** `postwire serve --config FILE`: production mode. */
export async function serveCommand(args: { config: string }): Promise<void> {
  const config = loadConfigFile(args.config);
  const log = createLogger({ level: config.log.level });
  const app = await startApp(config, log);
  log.info({ ports: app.ports }, "postwire serving");
  process.on("SIGHUP", () => app.reloadTls());
  await runUntilSignal(log, () => app.stop(), app.shutdownGraceMs);
}
