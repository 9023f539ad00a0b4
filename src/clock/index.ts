/**
 * Time as a dependency: modules take a Clock so tests (and --time-scale) control waits instead
 * of sleeping. The system clock is the default.
 */
export type Clock = {
  /** Milliseconds since the epoch. */
  now(): number;
};

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock a test moves by hand. */
export function manualClock(start = Date.parse("2024-03-27T00:00:00Z")): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms) };
}

/** A periodic task started by {@link startPeriodic}. */
export type Periodic = { stop(): void; runNow(): Promise<number> };

/**
 * Runs `task` once `firstMs` after start and then every `everyMs` (both divided by `timeScale`,
 * never more often than once a second), never overlapping itself. A failure is reported through
 * `onError` and the schedule goes on. The timer does not keep the process alive.
 */
export function startPeriodic(o: {
  firstMs: number;
  everyMs: number;
  timeScale: number;
  task: () => Promise<number>;
  onError: (err: unknown) => void;
}): Periodic {
  const first = Math.max(1000, o.firstMs / o.timeScale);
  const every = Math.max(1000, o.everyMs / o.timeScale);
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  function arm(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      o.task()
        .catch(o.onError)
        .finally(() => arm(every));
    }, ms);
    timer.unref();
  }

  arm(first);
  return {
    runNow: o.task,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
