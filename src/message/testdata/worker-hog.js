// Test worker for parser-pool.test.ts: reports ready, then allocates until the heap cap.
import { parentPort } from "node:worker_threads";

parentPort.on("message", () => {
  const keep = [];
  for (;;) keep.push(new Array(1e5).fill(keep.length));
});
parentPort.postMessage({ type: "ready" });
