import type { Logger } from "pino";

/** Waits for SIGINT/SIGTERM, then stops cleanly; a second signal exits at once. */
export function runUntilSignal(log: Logger, stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      log.info({ sig }, "shutting down");
      stop()
        .catch((err: unknown) => log.error({ err }, "shutdown failed"))
        .finally(() => {
          log.flush?.();
          resolve();
        });
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
