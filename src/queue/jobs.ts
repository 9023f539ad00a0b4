import { and, asc, eq, gt, inArray, isNull, lte, sql } from "drizzle-orm";
import { jsonIds, statement, type Db, type DbOrTx, type Tx, schema } from "../db/index.js";

const { jobs } = schema;

/** A claimed job. `attempts` already counts the attempt being made (it is recorded at claim). */
export type Job = typeof jobs.$inferSelect;

/** What a writer enqueues. */
export type NewJob = {
  kind: string;
  payload: Record<string, unknown>;
  runAt?: Date;
  groupKey?: string | null;
  limitKey?: string | null;
};

/** Inserts jobs inside the caller's transaction. Returns their ids in order. */
export async function enqueueJobs(tx: DbOrTx, list: NewJob[]): Promise<number[]> {
  if (list.length === 0) return [];
  const values = list.map((j) => ({
    kind: j.kind,
    payload: j.payload,
    runAt: j.runAt ?? new Date(),
    groupKey: j.groupKey ?? null,
    limitKey: j.limitKey ?? null,
  }));
  // One job (a webhook, a single recipient) is the common case: its statement is built once.
  const rows = values.length === 1 ? await insertOneJob(tx, values[0]!) : await tx.insert(jobs).values(values).returning({ id: jobs.id });
  return rows.map((r) => r.id);
}

type JobValues = { kind: string; payload: Record<string, unknown>; runAt: Date; groupKey: string | null; limitKey: string | null };
const insertOneJob = statement<JobValues, { id: number }[]>("insert_job", (d) =>
  d
    .insert(jobs)
    .values({
      kind: sql.placeholder("kind"),
      payload: sql.placeholder("payload"),
      runAt: sql.placeholder("runAt"),
      groupKey: sql.placeholder("groupKey"),
      limitKey: sql.placeholder("limitKey"),
    })
    .returning({ id: jobs.id }),
);

/**
 * Claims up to `limit` due jobs of the given kinds for `workerId` in ONE statement: the inner
 * SELECT ... FOR UPDATE SKIP LOCKED picks rows no other transaction holds, and the UPDATE sets
 * the lock fields and counts the attempt before any work starts, then the statement commits
 * at once (autocommit) so no lock is held during the work. Jobs whose limitKey is in `skipKeys`
 * (at capacity in this process) are left for later.
 */
export async function claimJobs(
  db: Db,
  o: { kinds: string[]; workerId: string; limit: number; now: Date; skipKeys?: string[]; groupKey?: string },
): Promise<Job[]> {
  if (o.limit <= 0) return [];
  const list = (xs: string[]) => sql.join(xs.map((x) => sql`${x}`), sql`, `);
  const skip = o.skipKeys?.length ? sql`and (limit_key is null or limit_key not in (${list(o.skipKeys)}))` : sql``;
  const ts = sql`${o.now.toISOString()}::timestamptz`;
  const group = o.groupKey !== undefined ? sql`and group_key = ${o.groupKey}` : sql``;
  const rows = await db.execute(sql`
    update jobs set locked_by = ${o.workerId}, locked_at = ${ts}, attempts = attempts + 1
    where id in (
      select id from jobs
      where kind in (${list(o.kinds)}) and locked_by is null and run_at <= ${ts} ${skip} ${group}
      order by run_at, id
      limit ${o.limit}
      for update skip locked)
    returning id, kind, payload, group_key, limit_key, run_at, attempts, locked_by, locked_at, last_error, created_at`);
  return (rows as unknown as Record<string, unknown>[]).map(toJob).sort((a, b) => a.id - b.id);
}

function toJob(r: Record<string, unknown>): Job {
  return {
    id: Number(r.id),
    kind: r.kind as string,
    payload: r.payload as Record<string, unknown>,
    groupKey: (r.group_key as string | null) ?? null,
    limitKey: (r.limit_key as string | null) ?? null,
    runAt: new Date(r.run_at as string),
    attempts: Number(r.attempts),
    lockedBy: (r.locked_by as string | null) ?? null,
    lockedAt: r.locked_at ? new Date(r.locked_at as string) : null,
    lastError: (r.last_error as string | null) ?? null,
    createdAt: new Date(r.created_at as string),
  };
}

/** Removes a finished job (success or final failure). Only the lock holder may do it. */
export async function completeJob(tx: DbOrTx, job: Pick<Job, "id" | "lockedBy">): Promise<boolean> {
  const r = job.lockedBy
    ? await deleteLockedJob(tx, { id: job.id, lockedBy: job.lockedBy })
    : await tx.delete(jobs).where(eq(jobs.id, job.id)).returning({ id: jobs.id });
  return r.length > 0;
}

const deleteLockedJob = statement<{ id: number; lockedBy: string }, { id: number }[]>("complete_job", (d) =>
  d
    .delete(jobs)
    .where(and(eq(jobs.id, sql.placeholder("id")), eq(jobs.lockedBy, sql.placeholder("lockedBy"))))
    .returning({ id: jobs.id }),
);

/**
 * {@link completeJob} for several jobs in one statement (each only by its lock holder). Returns
 * the ids removed. The list goes as one JSON parameter, so the statement is built once.
 */
export async function completeJobs(tx: DbOrTx, list: Pick<Job, "id" | "lockedBy">[]): Promise<number[]> {
  // One statement per lock holder: a runner's jobs all have the same.
  const byHolder = new Map<string, number[]>();
  const done: number[] = [];
  for (const j of list) {
    if (j.lockedBy === null) {
      if (await completeJob(tx, j)) done.push(j.id);
    } else byHolder.set(j.lockedBy, [...(byHolder.get(j.lockedBy) ?? []), j.id]);
  }
  for (const [lockedBy, ids] of byHolder) done.push(...(await deleteLockedJobs(tx, { ids: JSON.stringify(ids), lockedBy })).map((r) => r.id));
  return done;
}

const deleteLockedJobs = statement<{ ids: string; lockedBy: string }, { id: number }[]>("complete_jobs", (d) =>
  d
    .delete(jobs)
    .where(and(sql`${jobs.id} = any(${jsonIds("ids")})`, eq(jobs.lockedBy, sql.placeholder("lockedBy"))))
    .returning({ id: jobs.id }),
);

/** {@link rescheduleJob} for several jobs in one statement. */
export async function rescheduleJobs(tx: DbOrTx, list: { id: number; runAt: Date; error: string | null }[]): Promise<void> {
  if (list.length === 0) return;
  await unlockJobsAt(tx, { list: JSON.stringify(list.map((j) => ({ id: j.id, run_at: j.runAt.toISOString(), error: j.error }))) });
}

const unlockJobsAt = statement<{ list: string }, unknown>("reschedule_jobs", (d) =>
  d
    .update(jobs)
    .set({ lockedBy: null, lockedAt: null, runAt: sql`v.run_at`, lastError: sql`v.error` })
    .from(sql`jsonb_to_recordset(${sql.placeholder("list")}::jsonb) as v(id bigint, run_at timestamptz, error text)`)
    .where(sql`${jobs.id} = any(${jsonIds("list", "id")}) and ${jobs.id} = v.id`),
);

/** Unlocks a job and schedules its next attempt. */
export async function rescheduleJob(tx: DbOrTx, job: Pick<Job, "id">, runAt: Date, error: string | null): Promise<void> {
  await tx.update(jobs).set({ lockedBy: null, lockedAt: null, runAt, lastError: error }).where(eq(jobs.id, job.id));
}

/** Deletes jobs that are not currently claimed (e.g. superseded or canceled). Returns deleted ids. */
export async function cancelUnclaimedJobs(tx: Tx, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const r = await tx
    .delete(jobs)
    .where(and(inArray(jobs.id, ids), isNull(jobs.lockedBy)))
    .returning({ id: jobs.id });
  return r.map((x) => x.id);
}

/** Sets runAt of unclaimed jobs (retry now, hold far ahead). */
export async function setJobsRunAt(tx: DbOrTx, ids: number[], runAt: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await tx
    .update(jobs)
    .set({ runAt })
    .where(and(inArray(jobs.id, ids), isNull(jobs.lockedBy)))
    .returning({ id: jobs.id });
  return r.length;
}

/**
 * Releases locks older than `before` (their worker crashed); the jobs become due again. Also
 * tells when the oldest lock still held was taken, so the caller knows when the next one can
 * go stale and need not look again before.
 */
export async function recoverStaleJobs(db: DbOrTx, before: Date): Promise<{ recovered: number; oldestLock: Date | null }> {
  const b = before.toISOString();
  // The outer SELECT does not see the CTE's update: locks at or before `b` are excluded by hand.
  const rows = (await db.execute(sql`
    with r as (update jobs set locked_by = null, locked_at = null where locked_by is not null and locked_at <= ${b}::timestamptz returning id)
    select (select count(*) from r)::int as recovered,
      (select min(locked_at) from jobs where locked_by is not null and locked_at > ${b}::timestamptz) as oldest`)) as unknown as {
    recovered: number;
    oldest: string | Date | null;
  }[];
  const r = rows[0]!;
  return { recovered: Number(r.recovered), oldestLock: r.oldest === null ? null : new Date(r.oldest) };
}

/**
 * Renews the lease of every job a worker holds (its heartbeat): their lock time becomes `now`,
 * so {@link recoverStaleJobs} leaves them alone while the worker lives. Returns how many.
 */
export async function renewWorkerJobs(db: DbOrTx, workerId: string, now: Date): Promise<number> {
  const r = await db.update(jobs).set({ lockedAt: now }).where(eq(jobs.lockedBy, workerId)).returning({ id: jobs.id });
  return r.length;
}

/**
 * Releases every lock held by a worker id (shutdown). With `uncount`, the attempt counted at
 * claim is taken back: the work was handed back unfinished (aborted at the end of the grace
 * period, or never started), so it is not a failed attempt.
 */
export async function releaseWorkerJobs(db: DbOrTx, workerId: string, o: { uncount?: boolean } = {}): Promise<number> {
  const r = await db
    .update(jobs)
    .set({ lockedBy: null, lockedAt: null, ...(o.uncount ? { attempts: sql`greatest(${jobs.attempts} - 1, 0)` } : {}) })
    .where(eq(jobs.lockedBy, workerId))
    .returning({ id: jobs.id });
  return r.length;
}

/**
 * The earliest runAt among unclaimed jobs of these kinds, or null. With `after`, only jobs due
 * later than that (a claim at `after` took what it could of the rest): an index range scan
 * past a backlog that is due but held back.
 */
export async function nextDueAt(db: DbOrTx, kinds: string[], after?: Date): Promise<Date | null> {
  const [r] = await db
    .select({ runAt: jobs.runAt })
    .from(jobs)
    .where(and(inArray(jobs.kind, kinds), isNull(jobs.lockedBy), after ? gt(jobs.runAt, after) : undefined))
    .orderBy(asc(jobs.runAt))
    .limit(1);
  return r?.runAt ?? null;
}
