import { sql } from "drizzle-orm";
import { sqlState } from "./errors.js";
import type { Db, Tx } from "./open.js";

/**
 * Group commit: works submitted while earlier ones are committing share ONE transaction (one
 * BEGIN, one statement budget, one COMMIT and WAL flush) and run concurrently in it, so their
 * statements are pipelined on one connection. Each caller still gets its own result only after
 * the COMMIT, so "a 250 means committed" holds for every one of them.
 *
 * A failing work must not fail its neighbours: when a batch rolls back because of one work's own
 * error (a data or integrity error, or an error thrown by the work's code), that work is rejected
 * with it and the others run again in a new batch. An error that is not the work's own (statement
 * budget exceeded, connection lost, disk full, an injected fault) rejects every work of the batch
 * with it: each would meet it again, and retrying would outlast the reply budget.
 */
export type GroupCommit = {
  /** Runs `work` in a transaction shared with concurrent works; resolves after the COMMIT. */
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
};

export type GroupCommitOptions = {
  /** `statement_timeout` of each batch transaction (a reply budget); none when absent. */
  statementTimeoutMs?: number;
  /** Most works in one transaction. */
  maxBatch?: number;
  /** Batches committing at once (each holds one pooled connection). */
  maxInFlight?: number;
};

type Item = { work: (tx: Tx) => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** Rolled back because at least one work failed; carries every work's outcome. */
class BatchFailed extends Error {
  readonly outcomes: PromiseSettledResult<unknown>[];
  constructor(outcomes: PromiseSettledResult<unknown>[]) {
    super("group commit batch rolled back");
    this.outcomes = outcomes;
  }
}

// SQLSTATE 25P02: "current transaction is aborted": a statement that followed another's failure.
const afterAbort = "25P02";

/**
 * True when the error belongs to the work (its data, or its own code refusing or failing), not
 * to the transaction as a whole (the database, the connection, the disk, an injected fault).
 */
function ownError(e: unknown): boolean {
  const state = sqlState(e);
  if (state !== undefined) return state.startsWith("22") || state.startsWith("23"); // data exception, integrity violation
  if (!(e instanceof Error) || e.name === "InjectedFault") return false;
  for (let x: unknown = e, depth = 0; x instanceof Error && depth < 5; x = x.cause, depth++) {
    const code = (x as Error & { code?: unknown }).code;
    // postgres-js connection errors (CONNECTION_CLOSED, CONNECT_TIMEOUT, ...) and system errors (ECONNRESET, ENOSPC, ...).
    if (typeof code === "string" && /^(CONNECTION_\w+|CONNECT_TIMEOUT|E[A-Z0-9]+)$/.test(code)) return false;
  }
  return true;
}

/** The COMMIT's fate is unknown: the connection was lost (no SQLSTATE, or a shutdown/connection class). */
function commitUnknown(e: unknown): boolean {
  if (e instanceof BatchFailed) return false;
  const state = sqlState(e);
  return state === undefined ? e instanceof Error && e.name !== "InjectedFault" : state.startsWith("08") || /^57P0[123]$/.test(state);
}

/** Failed only because an earlier statement of the batch had failed. */
const followedAbort = (e: unknown) => sqlState(e) === afterAbort;

export function createGroupCommit(db: Db, o: GroupCommitOptions): GroupCommit {
  const maxBatch = o.maxBatch ?? 64;
  const maxInFlight = o.maxInFlight ?? 2;
  // One pipelined statement sets the budget (SET LOCAL) and names the transaction, so the fate of
  // a COMMIT whose answer was lost with the connection can be asked afterwards.
  const first =
    o.statementTimeoutMs === undefined
      ? sql`select txid_current()::text as xid`
      : sql`select set_config('statement_timeout', ${String(Math.max(1, Math.floor(o.statementTimeoutMs)))}, true), txid_current()::text as xid`;
  const outcomeWaitMs = Math.max(10_000, o.statementTimeoutMs ?? 0);
  const pending: Item[] = [];
  let inFlight = 0;

  function pump(): void {
    while (inFlight < maxInFlight && pending.length > 0) {
      const batch = pending.splice(0, maxBatch);
      inFlight++;
      void runBatch(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  async function runBatch(batch: Item[]): Promise<void> {
    let values: unknown[] = [];
    let xid: string | null = null;
    const t0 = performance.now();
    const observe = (ok: boolean) => commitObservers.get(db)?.((performance.now() - t0) / 1000, batch.length, ok);
    try {
      await db.transaction(async (tx) => {
        // drizzle queries start when then() is called. Its failure is kept, not left unhandled
        // while the works run (a dropped connection would otherwise end the process).
        const b = tx.execute(first).then(
          (rows) => ({ xid: String((rows as unknown as { xid: string }[])[0]!.xid) }),
          (e: unknown) => ({ e }),
        );
        const outcomes = await Promise.allSettled(batch.map((it) => it.work(tx)));
        const head = await b;
        if ("e" in head) throw head.e;
        xid = head.xid;
        if (outcomes.some((x) => x.status === "rejected")) throw new BatchFailed(outcomes);
        values = outcomes.map((x) => (x as PromiseFulfilledResult<unknown>).value);
      });
    } catch (e) {
      // The connection died after every work was done: the COMMIT may have reached the disk
      // though its answer never came. Ask the database before telling anyone it failed.
      if (xid !== null && values.length === batch.length && commitUnknown(e) && (await committed(xid))) {
        observe(true);
        batch.forEach((it, i) => it.resolve(values[i]));
        return;
      }
      observe(false);
      settleFailed(batch, e);
      return;
    }
    observe(true);
    batch.forEach((it, i) => it.resolve(values[i]));
  }

  /** txid_status of the transaction, asked on a new connection until the database answers. */
  async function committed(xid: string): Promise<boolean> {
    const until = performance.now() + outcomeWaitMs;
    for (;;) {
      try {
        const rows = (await db.execute(sql`select txid_status(${xid}::bigint) as s`)) as unknown as { s: string | null }[];
        return rows[0]?.s === "committed";
      } catch {
        if (performance.now() > until) return false;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  function settleFailed(batch: Item[], e: unknown): void {
    if (!(e instanceof BatchFailed)) {
      for (const it of batch) it.reject(e); // BEGIN, the budget or COMMIT failed: nobody committed
      return;
    }
    const errs = e.outcomes.map((x) => (x.status === "rejected" ? (x.reason as unknown) : undefined));
    const own = (x: unknown) => x !== undefined && !followedAbort(x);
    const causes = errs.filter(own);
    if (batch.length === 1 || causes.length === 0 || !causes.every(ownError)) {
      const first = causes[0] ?? errs.find((x) => x !== undefined);
      batch.forEach((it, i) => it.reject(own(errs[i]) ? errs[i] : first));
      return;
    }
    // Reject the works that failed on their own; the others go again, first in line.
    const again: Item[] = [];
    batch.forEach((it, i) => (own(errs[i]) ? it.reject(errs[i]) : again.push(it)));
    pending.unshift(...again);
  }

  return {
    run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ work, resolve: resolve as (v: unknown) => void, reject });
        pump();
      });
    },
  };
}

/** Called after each group-commit transaction: its duration, its number of works, whether it committed. */
export type CommitObserver = (seconds: number, works: number, ok: boolean) => void;
const commitObservers = new WeakMap<Db, CommitObserver>();

/** Reports every group-commit transaction on `db` to `fn` (metrics); one observer per database. */
export function observeCommits(db: Db, fn: CommitObserver): void {
  commitObservers.set(db, fn);
}

const shared = new WeakMap<Db, Map<number | undefined, GroupCommit>>();

/** The group commit of one database and statement budget, shared by every caller in the process. */
export function sharedGroupCommit(db: Db, statementTimeoutMs?: number): GroupCommit {
  let byBudget = shared.get(db);
  if (!byBudget) shared.set(db, (byBudget = new Map()));
  let gc = byBudget.get(statementTimeoutMs);
  if (!gc) byBudget.set(statementTimeoutMs, (gc = createGroupCommit(db, { statementTimeoutMs })));
  return gc;
}
