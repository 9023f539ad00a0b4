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
