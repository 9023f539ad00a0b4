import { sql } from "drizzle-orm";
import type { DbOrTx } from "../db/index.js";

/** Jobs of one kind in one state, with the age of the oldest. */
export type JobStat = { kind: string; state: "due" | "waiting" | "running"; count: number; oldestSeconds: number };

/**
 * Queue depth by kind and state for metrics, in one statement (a scan of `jobs`, which holds
 * only unfinished work): `running` is claimed by a worker, `due` waits for a claim, `waiting`
 * waits for its retry time (held messages too). The age is counted from the job's creation.
 */
export async function jobStats(db: DbOrTx): Promise<JobStat[]> {
  const rows = (await db.execute(sql`
    select kind,
      case when locked_by is not null then 'running' when run_at <= now() then 'due' else 'waiting' end as state,
      count(*)::int as count,
      coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest
    from jobs group by 1, 2`)) as unknown as { kind: string; state: JobStat["state"]; count: number; oldest: number }[];
  return rows.map((r) => ({ kind: r.kind, state: r.state, count: Number(r.count), oldestSeconds: Math.max(0, Number(r.oldest)) }));
}
