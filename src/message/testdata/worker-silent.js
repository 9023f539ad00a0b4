// Test worker for parser-pool.test.ts: reports ready, then never answers a request.
import { parentPort } from "node:worker_threads";

parentPort.on("message", () => {});
parentPort.postMessage({ type: "ready" });
