// Worker thread that owns the embedded PGlite database and serves the PostgreSQL wire protocol
// on a private unix socket, so the main thread talks to it with the same driver (postgres-js)
// as to a real PostgreSQL, and PGlite's CPU-bound work never blocks the main event loop.
// Plain JS on purpose: it must start the same way under tsx and under plain node.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

const { dataDir, socketPath } = workerData;
let db;
let server;
try {
  db = await PGlite.create({ dataDir });
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
