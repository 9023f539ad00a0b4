// Shared shapes: what a workload receives (BenchContext) and what it returns (Section).

/** Storage backend Postwire runs on in a bench row. */
export type Backend = "pglite" | "pg";

/** One goal from product.md / issue 8, next to what this run measured. */
export interface Target {
  name: string;
  target: string;
  measured: string;
  /** true met, false missed, null not measured (e.g. Postwire not available). */
  met: boolean | null;
}

/** A workload's report: one Markdown table plus notes, targets and raw data for the JSON file. */
export interface Section {
  id: string;
  title: string;
  columns: string[];
  rows: string[][];
  notes: string[];
  targets: Target[];
  data: unknown;
  seconds?: number;
}

/** What every workload gets from the runner. */
export interface BenchContext {
  quick: boolean;
  /** Backends to run Postwire on (--backends). */
  backends: Backend[];
  /** Backends for the secondary workloads (latency, webhooks, Send, RSS): in --quick without an
   * explicit --backends only the first, since every localserve start costs seconds. */
  lightBackends: Backend[];
  /** Pass node's --cpu-prof to localserve; profiles land in bench/results/profiles. */
  profile: boolean;
  /** Root of this run's throwaway files; removed at the end. */
  tmp: string;
  /** Repo root (where bin/postwire.js lives). */
  root: string;
  log(msg: string): void;
}

/** A workload module's default export. */
export interface Workload {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<Section>;
}

/** Thrown when a component cannot run here; rows show "not available: <reason>". */
export class NotAvailable extends Error {
  readonly code = "not_available";
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
  }
}

/** Message of an error, shortened for a table cell. */
export function reason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/\s+/g, " ").slice(0, 160);
}
