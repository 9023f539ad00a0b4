// Cleanup of retired messages (mox-compat §3.4): rows past keepUntil are removed, then raw
// bodies no row refers to. First run shortly after start, then hourly (both divided by the
// time scale, never more often than once a second).
import { removeExpired } from "./queries.js";
import type { Ctx } from "./types.js";

/** A running cleanup loop. */
export type Cleanup = { stop(): void; runNow(): Promise<number> };

/** Starts the periodic cleanup. */
export function startCleanup(ctx: Ctx): Cleanup {
  const first = Math.max(1000, 3000 / ctx.timeScale);
  const every = Math.max(1000, 3_600_000 / ctx.timeScale);
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  async function runNow(): Promise<number> {
    const n = await removeExpired(ctx.db, new Date(ctx.clock.now()));
    if (n > 0) ctx.log.debug({ count: n }, "removed expired retired messages");
    return n;
  }

  function arm(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      runNow()
        .catch((err: unknown) => ctx.log.warn({ err }, "cleaning up retired messages failed"))
        .finally(() => arm(every));
    }, ms);
    timer.unref();
  }

  arm(first);
  return {
    runNow,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
