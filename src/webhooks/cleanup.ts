// Cleanup of retired webhooks past keepUntil (docs/contract.md §2.8): first run shortly after
// start, then hourly.
import type { Logger } from "pino";
import { startPeriodic, type Clock, type Periodic } from "../clock/index.js";
import type { Db } from "../db/index.js";
import { removeExpired } from "./queries.js";

/** A running cleanup loop. */
export type Cleanup = Periodic;

/** Starts the periodic cleanup. */
export function startCleanup(o: { db: Db; log: Logger; clock: Clock; timeScale: number }): Cleanup {
  return startPeriodic({
    firstMs: 4000,
    everyMs: 3_600_000,
    timeScale: o.timeScale,
    async task() {
      const n = await removeExpired(o.db, new Date(o.clock.now()));
      if (n > 0) o.log.debug({ count: n }, "removed expired retired webhooks");
      return n;
    },
    onError: (err) => o.log.warn({ err }, "cleaning up retired webhooks failed"),
  });
}
