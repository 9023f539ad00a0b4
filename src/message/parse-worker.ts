// Worker-thread entry of the parser pool: parses one message per request and replies with
// the result. Loaded through parse-worker-boot.js, which registers tsx first.
import { parentPort } from "node:worker_threads";
import { parseRaw, type ParseLimits } from "./parse.js";

/** A parse request from the pool. */
export interface WorkerRequest {
  readonly id: number;
  readonly raw: Uint8Array;
  readonly automatedHint: boolean;
  readonly limits: ParseLimits;
}

const port = parentPort;
if (!port) throw new Error("parse-worker must run in a worker thread");

port.on("message", (req: WorkerRequest) => {
  // The request's bytes were copied by postMessage; view them as a Buffer without copying.
  const raw = Buffer.from(req.raw.buffer, req.raw.byteOffset, req.raw.byteLength);
  void parseRaw(raw, req.automatedHint, req.limits)
    .then((result) => port.postMessage({ id: req.id, result }))
    .catch((err: unknown) => {
      const message = `parse worker: ${err instanceof Error ? err.message : String(err)}`;
      port.postMessage({ id: req.id, result: { ok: false, error: { code: "crashed", message } } });
    });
});
// Tell the pool that imports are done, so module loading never counts against a parse timeout.
port.postMessage({ type: "ready" });
