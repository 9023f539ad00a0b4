// Test-only child process for crash.test.ts: runs delivery against the parent's fake MX and
// stalls inside the outcome transaction (an append hook that never returns), so the parent can
// kill -9 it after the MX answered 250 but before anything was committed.
// Env: DB_URL (PostgreSQL) or DATA_DIR (PGlite), MX_PORT.
import { systemClock } from "../clock/index.js";
import { openDatabase } from "../db/index.js";
import { createStaticResolver } from "../dns/index.js";
import { createEventLog } from "../events/index.js";
import { silentLogger } from "../log/index.js";
import { createDelivery } from "./index.js";

const database = await openDatabase({ url: process.env.DB_URL || undefined, dataDir: process.env.DATA_DIR!, migrate: false });
const eventLog = await createEventLog({ database, log: silentLogger() });
eventLog.setAppendHook(async () => {
  process.stdout.write("stalled\n");
  await new Promise(() => {}); // never: the transaction stays open until the kill
});
const delivery = createDelivery({
  database,
  log: silentLogger(),
  clock: systemClock,
  eventLog,
  resolver: createStaticResolver({}),
  hostname: "child.postwire.test",
  timeScale: 100_000,
  concurrency: 2,
  target: async () => [{ host: "127.0.0.1", port: Number(process.env.MX_PORT) }],
});
await delivery.start();
process.stdout.write("started\n");
