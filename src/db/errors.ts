/** Another live process holds the data dir. */
export class DataDirLockedError extends Error {
  readonly code = "data_dir_locked";
  override name = "DataDirLockedError";
  constructor(dir: string, pid: number) {
    super(`data dir ${dir} is in use by process ${pid || "unknown"}; stop it first`);
  }
}

/** The embedded database could not be started. */
export class DatabaseOpenError extends Error {
  readonly code = "database_open";
  override name = "DatabaseOpenError";
}

/**
 * The SQLSTATE of a database error, looked up along the `cause` chain (drizzle wraps the
 * driver's error in its own); undefined when the error did not come from the database.
 */
export function sqlState(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
