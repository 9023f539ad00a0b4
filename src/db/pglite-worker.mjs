// Worker thread that owns the embedded PGlite database and serves the PostgreSQL wire protocol
// on a private unix socket, so the main thread talks to it with the same driver (postgres-js)
// as to a real PostgreSQL, and PGlite's CPU-bound work never blocks the main event loop.
// Plain JS on purpose: it must start the same way under tsx and under plain node.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

const { dataDir, socketPath } = workerData;
// PostgreSQL's default shared_buffers (128 MB) is touched in full by the WASM build at start:
// it made up 125 MB of an idle localserve's RSS. The buffer pool sits in front of the OS page
// cache (PGlite reads and writes pages through Node's fs), so 16 MB costs no measured speed
// on a write-heavy run (3,000 transactions of 20 KB rows) and keeps the data dir's config as is.
const startParams = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];
let db;
let server;
try {
  db = await PGlite.create({ dataDir, startParams });
  // One connection: PGlite is a single session; postgres-js on the other side uses max: 1.
  server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
  await server.start();
  parentPort.postMessage({ type: "ready" });
} catch (err) {
  parentPort.postMessage({ type: "error", message: String(err?.stack ?? err) });
}

parentPort.on("message", async (msg) => {
  if (msg?.type !== "close") return;
  try {
    await server?.stop();
    await db?.close();
    parentPort.postMessage({ type: "closed" });
  } catch (err) {
    parentPort.postMessage({ type: "closed", error: String(err) });
  }
});
