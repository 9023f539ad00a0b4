import type { Logger } from "pino";

/** Time past the grace period for the last steps (handing jobs back, closing the database). */
const closeMarginMs = 10_000;

/**
 * Waits for SIGINT/SIGTERM, then stops: `stop` gets the grace period and the process exits 0
 * once it returns, even if a stray handle would keep it alive. A stop that overruns the grace
 * period by more than a margin exits 1. A second signal exits at once (130).
 */
export function runUntilSignal(log: Logger, stop: () => Promise<void>, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ sig }, "second signal, exiting now");
        log.flush?.();
        process.exit(130);
      }
      stopping = true;
      log.info({ sig, graceMs }, "shutting down");
      const overrun = setTimeout(() => {
        log.error({ graceMs }, "shutdown did not finish in time, exiting");
        log.flush?.();
        process.exit(1);
      }, graceMs + closeMarginMs);
      overrun.unref();
      stop()
        .then(() => {
          log.info("stopped");
          process.exitCode = 0;
        })
        .catch((err: unknown) => {
          log.error({ err }, "shutdown failed");
          process.exitCode = 1;
        })
        .finally(() => {
          clearTimeout(overrun);
          log.flush?.();
          // Nothing of ours is left open; a library's lingering socket or timer must not
          // keep the process: exit after the log is written.
          setTimeout(() => process.exit(), 500).unref();
          resolve();
        });
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
