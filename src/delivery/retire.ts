// Cleanup of retired messages (docs/contract.md §3.4): rows past keepUntil are removed, then raw
// bodies no row refers to. First run shortly after start, then hourly.
import { startPeriodic, type Periodic } from "../clock/index.js";
import { removeExpired } from "./queries.js";
import type { Ctx } from "./types.js";

/** A running cleanup loop. */
export type Cleanup = Periodic;

/** Starts the periodic cleanup. */
export function startCleanup(ctx: Ctx): Cleanup {
  return startPeriodic({
    firstMs: 3000,
    everyMs: 3_600_000,
    timeScale: ctx.timeScale,
    async task() {
      const n = await removeExpired(ctx.db, new Date(ctx.clock.now()));
      if (n > 0) ctx.log.debug({ count: n }, "removed expired retired messages");
      return n;
    },
    onError: (err) => ctx.log.warn({ err }, "cleaning up retired messages failed"),
  });
}
