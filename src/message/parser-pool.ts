// A small pool of worker threads that parse messages (docs/guarantees.md B: "parsing runs in a
// worker with a wall-clock and heap limit"). A parse that overruns its time is answered
// with a failure and its worker is terminated and replaced; a worker that dies (heap cap,
// crash) fails only its own job. Callers always get a result, never an exception, so the
// raw message can be stored flagged unparsed. Workers are unref'd while idle, so a pool
// that is never closed does not keep the process alive.
import { Worker } from "node:worker_threads";
import { defaultParseLimits, parseRaw, type ParseLimits } from "./parse.js";
import type { ParseFailure, ParseFailureCode, ParseOptions, ParseResult } from "./types.js";
import type { WorkerRequest } from "./parse-worker.js";

/** Pool settings; all optional. */
export interface ParserPoolOptions {
  /** Worker threads (default 1; the machine budget is 2 cores). */
  size?: number;
  /** Default wall-clock limit per parse, from the moment a worker starts it (default 5000). */
  timeoutMs?: number;
  /** V8 old-generation heap cap per worker in MiB (default 256). */
  maxHeapMb?: number;
  /** Parses waiting for a worker beyond this are refused with `overloaded` (default 1000). */
  maxQueue?: number;
  /** Tree and text caps (default `defaultParseLimits`). */
  limits?: Partial<ParseLimits>;
  /** Time a new worker may take to load before its job fails (default 60000). */
  startupTimeoutMs?: number;
  /** Worker entry; tests substitute misbehaving workers. Default: parse-worker-boot.js. */
  workerUrl?: URL;
}

/** A running pool. */
export interface ParserPool {
  /** Parses in a worker; resolves with a ParsedMessage or a ParseFailure, never rejects. */
  parse(raw: Uint8Array, opts?: ParseOptions): Promise<ParseResult>;
  /** Fails queued parses with `closed` and terminates the workers. Idempotent. */
  close(): Promise<void>;
}

interface Job {
  readonly id: number;
  readonly raw: Uint8Array;
  readonly opts: ParseOptions;
  readonly resolve: (r: ParseResult) => void;
}

interface Slot {
  worker: Worker | null;
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

// From src/ (under tsx) the worker needs tsx registered in its own thread first; compiled to
// dist/ (bin/postwire.js runs that build), this file is .js and so is the worker, run directly.
const bootUrl = new URL(import.meta.url.endsWith(".ts") ? "./parse-worker-boot.js" : "./parse-worker.js", import.meta.url);

// Workers inherit the parent's node flags; those that only make sense for the main script
// (`-e`, `--input-type`) make a worker fail to start, so they are dropped.
function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (["-e", "--eval", "-p", "--print"].includes(a)) i++;
    else if (!a.startsWith("--input-type") && !a.startsWith("--eval=") && !a.startsWith("--print=")) out.push(a);
  }
  return out;
}

function failure(code: ParseFailureCode, message: string): ParseFailure {
  return { ok: false, error: { code, message } };
}

/** Creates a pool; workers start lazily on the first parse. */
export function createParserPool(options: ParserPoolOptions = {}): ParserPool {
  const size = Math.max(1, options.size ?? 1);
  const timeoutMs = options.timeoutMs ?? 5000;
  const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
  const maxQueue = options.maxQueue ?? 1000;
  const limits: ParseLimits = { ...defaultParseLimits, ...options.limits };
  const resourceLimits = { maxOldGenerationSizeMb: options.maxHeapMb ?? 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 };
  const slots: Slot[] = Array.from({ length: size }, () => ({ worker: null, ready: false, job: null, timer: null }));
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  // Ends the slot's job (if any) and clears its timer; the worker stays unless `kill`.
  function finish(slot: Slot, result: ParseResult | null, kill: boolean): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const job = slot.job;
    slot.job = null;
    if (kill && slot.worker) {
      void slot.worker.terminate();
      slot.worker = null;
      slot.ready = false;
    }
    slot.worker?.unref();
    if (job && result) job.resolve(result);
    dispatch();
  }

  function spawn(slot: Slot): void {
    const worker = new Worker(options.workerUrl ?? bootUrl, { resourceLimits, execArgv: workerExecArgv() });
    slot.worker = worker;
    slot.ready = false;
    worker.on("message", (m: { type?: string; id?: number; result?: ParseResult }) => {
      if (slot.worker !== worker) return;
      if (m.type === "ready") {
        slot.ready = true;
        if (slot.timer) clearTimeout(slot.timer);
        slot.timer = null;
        dispatch();
      } else if (slot.job && m.id === slot.job.id && m.result) finish(slot, m.result, false);
    });
    const died = (code: ParseFailureCode, message: string): void => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      slot.ready = false;
      void worker.terminate(); // no-op if it already exited; needed after a startup timeout
      // A worker that dies while loading fails the first queued job, so a broken install
      // surfaces as failures instead of an endless respawn loop holding every parse.
      if (!slot.job && queue.length > 0) slot.job = queue.shift()!;
      finish(slot, failure(code, message), false);
    };
    worker.on("error", (err: Error & { code?: string }) =>
      died(err.code === "ERR_WORKER_OUT_OF_MEMORY" ? "outOfMemory" : "crashed", `parse worker: ${err.message}`),
    );
    worker.on("exit", (code) => died("crashed", `parse worker exited with code ${code}`));
    slot.timer = setTimeout(() => died("crashed", "parse worker did not start in time"), startupTimeoutMs);
    slot.timer.unref();
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (closed || queue.length === 0) return;
      if (slot.job) continue;
      if (!slot.worker) spawn(slot);
      if (!slot.ready) {
        slot.worker!.ref(); // keep the process alive while a job waits for this worker
        continue;
      }
      start(slot, queue.shift()!);
    }
  }

  function start(slot: Slot, job: Job): void {
    const worker = slot.worker!;
    slot.job = job;
    worker.ref();
    const req: WorkerRequest = { id: job.id, raw: job.raw, automatedHint: job.opts.automatedHint ?? false, limits };
    worker.postMessage(req);
    const ms = job.opts.timeoutMs ?? timeoutMs;
    slot.timer = setTimeout(() => finish(slot, failure("timeout", `parsing took longer than ${ms} ms`), true), ms);
  }

  return {
    parse(raw, opts = {}) {
      if (closed) return Promise.resolve(failure("closed", "parser pool is closed"));
      if (queue.length >= maxQueue) return Promise.resolve(failure("overloaded", "too many messages waiting for a parser"));
      return new Promise<ParseResult>((resolve) => {
        queue.push({ id: nextId++, raw, opts, resolve });
        dispatch();
      });
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.resolve(failure("closed", "parser pool closed"));
      const workers = slots.map((s) => s.worker).filter((w): w is Worker => w !== null);
      for (const slot of slots) {
        if (slot.timer) clearTimeout(slot.timer);
        slot.job?.resolve(failure("closed", "parser pool closed"));
        Object.assign(slot, { worker: null, ready: false, job: null, timer: null });
      }
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

let shared: ParserPool | null = null;

/**
 * Parses with a shared, lazily created default pool (1 worker, 5 s, 256 MiB). Prefer a pool
 * from {@link createParserPool} owned by the app; this is for simple callers and tests.
 */
export function parseMessage(raw: Uint8Array, opts: ParseOptions = {}): Promise<ParseResult> {
  // Small messages cannot carry a bomb worth a thread hop: the tree walk is bounded and linear
  // and never converts HTML, so at this size it costs far less than the worker round trip.
  if (raw.length <= inlineParseMaxBytes) return parseInline(raw, opts);
  shared ??= createParserPool();
  return shared.parse(raw, opts);
}

/** Messages up to this size are parsed on the calling thread by {@link parseMessage}. */
export const inlineParseMaxBytes = 16 * 1024;

async function parseInline(raw: Uint8Array, opts: ParseOptions): Promise<ParseResult> {
  try {
    return await parseRaw(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), opts.automatedHint ?? false);
  } catch (err) {
    return { ok: false, error: { code: "malformed", message: err instanceof Error ? err.message : String(err) } };
  }
}

/** Closes the shared pool used by {@link parseMessage}; a later call starts a new one. */
export async function closeParserPool(): Promise<void> {
  const p = shared;
  shared = null;
  await p?.close();
}
