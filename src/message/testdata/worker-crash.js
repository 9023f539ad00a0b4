// Test worker for parser-pool.test.ts: reports ready, then dies on the first request.
import { parentPort } from "node:worker_threads";

parentPort.on("message", () => process.exit(3));
parentPort.postMessage({ type: "ready" });
