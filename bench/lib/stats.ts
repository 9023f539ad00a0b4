// Small statistics and formatting helpers shared by the workloads (median of runs, percentiles).

/** Sorted copy, ascending. */
function sorted(xs: number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Median (mean of the middle two for even counts); NaN for an empty list. */
export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile (p in 0..100); NaN for an empty list. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Summary of repeated rate measurements: median with min and max. */
export interface RunSummary { median: number; min: number; max: number; runs: number[] }

/** Builds a RunSummary from raw runs. */
export function summarize(runs: number[]): RunSummary {
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs };
}

/** Formats a number compactly: integers above 100, one decimal below. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return "–";
  return Math.abs(x) >= 100 ? Math.round(x).toString() : (Math.round(x * 10) / 10).toString();
}

/** A ratio like "0.07×" or "3.2×". */
export function ratio(x: number): string {
  if (!Number.isFinite(x)) return "–";
  return `${x < 1 ? x.toFixed(2) : num(x)}×`;
}

/** "median (min–max)" for a RunSummary. */
export function rangeCell(s: RunSummary): string {
  return `${num(s.median)} (${num(s.min)}–${num(s.max)})`;
}

/** Latency summary in milliseconds. */
export interface LatencySummary { n: number; lost: number; p50: number; p95: number; p99: number; max: number }

/** Builds a latency summary from samples (ms) and the number of expected samples. */
export function latency(samples: number[], expected: number): LatencySummary {
  return {
    n: samples.length, lost: Math.max(0, expected - samples.length),
    p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99),
    max: samples.length ? Math.max(...samples) : NaN,
  };
}

/** Bytes as MB with one decimal. */
export function mb(bytes: number): string {
  return Number.isFinite(bytes) ? (bytes / 1048576).toFixed(1) : "–";
}
