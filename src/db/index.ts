/**
 * Storage: opens embedded PGlite (in a worker thread, behind a unix socket) or PostgreSQL, both
 * through postgres-js and drizzle so every query runs unchanged on either; migrations; the data
 * dir lock; table definitions live in schema/<owner>.ts and are queried only by their owner.
 */
export { openDatabase, type Database, type Db, type Tx, type DbOrTx, type OpenOptions } from "./open.js";
export { runMigrations, migrationsFolder } from "./migrate.js";
export { templateDir, preparePgliteDir } from "./template.js";
export { createGroupCommit, observeCommits, sharedGroupCommit, type CommitObserver, type GroupCommit, type GroupCommitOptions } from "./group-commit.js";
export { checkDatabase, connectionStats, type DatabaseCheck } from "./health.js";
export { jsonIds, placeholderValue, statement, type Statement } from "./statements.js";
export { DataDirLockedError, DatabaseOpenError, sqlState } from "./errors.js";
export { isTransientDbError, retryTransient } from "./retry.js";
export * as schema from "./schema/index.js";
