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
