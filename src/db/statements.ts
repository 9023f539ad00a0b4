import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "./open.js";

/**
 * Hot-path statements, built once. drizzle builds a query's SQL text anew on every execution
 * (100-200 µs of CPU for an insert or update with many columns, more than the database needs
 * to run it); a statement written with `sql.placeholder()` values is built once, and each call
 * only fills in the values (with the columns' own encoders) and maps the returned rows.
 *
 * drizzle binds a prepared query to the connection it was built on; this runs the one built
 * query on the connection of whatever database or transaction handle the caller passes, so it
 * works inside transactions. The postgres-js prepared statement is cached per connection too.
 */
export type Statement<V extends Record<string, unknown>, T> = (d: DbOrTx, values: V) => Promise<T>;

type Prepared<T> = { execute(values?: Record<string, unknown>): Promise<T> };
type WithClient = { session?: { client?: unknown } };

function clientOf(d: DbOrTx): unknown {
  const client = (d as unknown as WithClient).session?.client;
  if (typeof client !== "function") throw new Error("db: this drizzle version keeps its postgres-js client elsewhere (session.client); update db/statements.ts");
  return client;
}

/**
 * Defines a statement: `build` gets a handle to build the query on and returns it, with a
 * `sql.placeholder()` for every value that varies; `name` labels it for drizzle's logger.
 */
export function statement<V extends Record<string, unknown>, T>(name: string, build: (d: DbOrTx) => { prepare(name: string): Prepared<T> }): Statement<V, T> {
  let built: Prepared<T> | null = null;
  return (d, values) => {
    built ??= build(d).prepare(name);
    const onConnection = Object.create(built) as Prepared<T> & { client: unknown };
    onConnection.client = clientOf(d);
    return onConnection.execute(values);
  };
}

/**
 * A placeholder where drizzle's update `set()` types want a value: at run time drizzle wraps it
 * with the column's encoder, as it does for insert values.
 */
export function placeholderValue<T>(name: string): T {
  return sql.placeholder(name) as unknown as T;
}

/**
 * `array(bigint)` of the `key` field of every object in the JSON array placeholder `name` (of
 * every element when `key` is absent), for `col = any(...)`. Batch statements take their rows as
 * one JSON parameter (jsonb_to_recordset); the planner guesses 100 rows for that and may scan a
 * whole table to join them, while `= any(<this>)` (computed once) is looked up in the index.
 */
export function jsonIds(name: string, key?: string): SQL {
  const elem = key === undefined ? sql.raw("(e #>> '{}')") : sql`(e ->> ${sql.raw(`'${key.replace(/'/g, "''")}'`)})`;
  return sql`array(select ${elem}::bigint from jsonb_array_elements(${sql.placeholder(name)}::jsonb) as e)`;
}
