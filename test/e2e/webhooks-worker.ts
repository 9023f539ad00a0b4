// Test-only child process for the webhook process tests (kill -9, several processes on one
// PostgreSQL): opens the database given by DATABASE_URL (or the PGlite DATA_DIR), starts the
// webhooks runner and prints "ready". SIGTERM stops it cleanly. Not a test file itself.
import { systemClock } from "../../src/clock/index.js";
import { openDatabase } from "../../src/db/index.js";
import { createEventLog } from "../../src/events/index.js";
import { createLogger } from "../../src/log/index.js";
import { createWebhooks } from "../../src/webhooks/index.js";

const env = process.env;
const log = createLogger({ level: env.LOG_LEVEL ?? "warn" });
const database = await openDatabase({ url: env.DATABASE_URL || undefined, dataDir: env.DATA_DIR!, poolSize: Number(env.POOL ?? 10) });
const eventLog = await createEventLog({ database, log });
const webhooks = createWebhooks({
  database,
  log,
  clock: systemClock,
  eventLog,
  version: "0.1.0-test",
  config: {
    concurrencyPerUrl: Number(env.PER_URL ?? 4),
    concurrency: Number(env.CONCURRENCY ?? 64),
    timeoutMs: Number(env.TIMEOUT_MS ?? 30_000),
    allowHosts: (env.ALLOW ?? "").split(",").filter(Boolean),
    allowLoopback: false,
    timeScale: 1,
    lockTimeoutMs: env.LOCK_TIMEOUT_MS ? Number(env.LOCK_TIMEOUT_MS) : undefined,
    pollMs: Number(env.POLL_MS ?? 200),
  },
});
eventLog.setAppendHook(webhooks.appendHook);
await webhooks.start();
process.stdout.write(`ready ${process.pid}\n`);
process.once("SIGTERM", () => {
  void (async () => {
    await webhooks.stop();
    await eventLog.close();
    await database.close();
    process.exit(0);
  })();
});
