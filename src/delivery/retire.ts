// Cleanup of retired messages (docs/contract.md §3.4): rows past keepUntil are removed, then raw
// bodies no row refers to; Send idempotency keys past 24 h. First run shortly after start, then hourly.
import { startPeriodic, type Periodic } from "../clock/index.js";
import { idempotencyKeys } from "./idempotency.js";
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
      const now = new Date(ctx.clock.now());
      const n = await removeExpired(ctx.db, now);
      if (n > 0) ctx.log.debug({ count: n }, "removed expired retired messages");
      const keys = await idempotencyKeys.removeExpired(ctx.db, now);
      if (keys > 0) ctx.log.debug({ count: keys }, "removed expired idempotency keys");
      return n + keys;
    },
    onError: (err) => ctx.log.warn({ err }, "cleaning up retired messages failed"),
  });
}
