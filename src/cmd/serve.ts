import { loadServeConfig, startApp } from "../app/index.js";
import { createLogger } from "../log/index.js";
import { runUntilSignal } from "./signals.js";

/** `postwire serve --config FILE`: production mode. */
export async function serveCommand(args: { config: string }): Promise<void> {
  // Every problem of the file is reported before anything starts (config check runs the same).
  const config = loadServeConfig(args.config, { DATABASE_URL: process.env.DATABASE_URL });
  const log = createLogger({ level: config.log.level });
  const app = await startApp(config, log);
  log.info({ ports: app.ports }, "postwire serving");
  process.on("SIGHUP", () => app.reloadTls());
  await runUntilSignal(log, () => app.stop(), app.shutdownGraceMs);
}
