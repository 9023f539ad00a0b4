// Cleanup of retired webhooks past keepUntil (mox-compat §2.8): first run shortly after start,
// then hourly, both divided by the time scale and never more often than once a second.
import type { Logger } from "pino";
import type { Clock } from "../clock/index.js";
import type { Db } from "../db/index.js";
import { removeExpired } from "./queries.js";

/** A running cleanup loop. */
export type Cleanup = { stop(): void; runNow(): Promise<number> };

/** Starts the periodic cleanup. */
export function startCleanup(o: { db: Db; log: Logger; clock: Clock; timeScale: number }): Cleanup {
  const first = Math.max(1000, 4000 / o.timeScale);
  const every = Math.max(1000, 3_600_000 / o.timeScale);
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  async function runNow(): Promise<number> {
    const n = await removeExpired(o.db, new Date(o.clock.now()));
    if (n > 0) o.log.debug({ count: n }, "removed expired retired webhooks");
    return n;
  }

  function arm(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      runNow()
        .catch((err: unknown) => o.log.warn({ err }, "cleaning up retired webhooks failed"))
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
