/**
 * fault: named fault points for crash and fault-injection tests (docs/guarantees.md FAULT). A point
 * does nothing unless the environment variable POSTWIRE_FAULTS arms it; it is read once, on the
 * first call. Owns no other module's behaviour: callers insert `await faultPoint("name")` at
 * the moment they want testable (one line each). Invariant: unarmed, a point costs one lookup.
 */

/** What an armed point does when it fires. */
export type FaultAction =
  | { kind: "kill" }
  | { kind: "throw"; code: string }
  | { kind: "delay"; ms: number }
  | { kind: "hang" };

/** One armed point: fires on hits `from`..`to` (1-based, inclusive; `to` Infinity = forever). */
export type FaultSpec = { name: string; action: FaultAction; from: number; to: number };

/** The error a `throw` action raises; `code` is the configured one (e.g. ENOSPC, 53100). */
export class InjectedFault extends Error {
  override readonly name = "InjectedFault";
  readonly code: string;
  constructor(point: string, code: string) {
    super(`injected fault at ${point}${code === "injected" ? "" : ` (${code})`}`);
    this.code = code;
  }
}

/** Env var holding the armed points. */
export const faultEnvVar = "POSTWIRE_FAULTS";

/**
 * Parses a POSTWIRE_FAULTS value: comma-separated `name:action[@hits]` where action is `kill`
 * (SIGKILL to this process), `throw` or `throw=CODE`, `delay=MS`, or `hang` (never returns),
 * and hits is `N` (only the Nth), `N-` (from the Nth on) or `N-M`; without it every hit fires.
 * Example: `accept.after-commit:kill@3,accept.in-tx:throw=ENOSPC@1-5`.
 * @throws Error on a malformed entry, so a typo in a test cannot silently arm nothing.
 */
export function parseFaults(value: string): FaultSpec[] {
  const out: FaultSpec[] = [];
  for (const raw of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([\w.-]+):(kill|hang|throw(?:=([\w.-]+))?|delay=(\d+))(?:@(\d+)(-(\d*))?)?$/.exec(raw);
    if (!m) throw new Error(`${faultEnvVar}: malformed entry "${raw}"`);
    const [, name, act, code, ms, from, range, to] = m;
    const action: FaultAction =
      act === "kill" ? { kind: "kill" } : act === "hang" ? { kind: "hang" } : ms !== undefined ? { kind: "delay", ms: Number(ms) } : { kind: "throw", code: code ?? "injected" };
    const f = from === undefined ? 1 : Number(from);
    const t = from === undefined ? Infinity : range === undefined ? f : to ? Number(to) : Infinity;
    out.push({ name: name!, action, from: f, to: t });
  }
  return out;
}

type Armed = Map<string, { specs: FaultSpec[]; hits: number }>;
let armed: Armed | null | undefined;

function load(): Armed | null {
  const v = process.env[faultEnvVar];
  if (!v) return null;
  const m: Armed = new Map();
  for (const s of parseFaults(v)) {
    const e = m.get(s.name) ?? { specs: [], hits: 0 };
    e.specs.push(s);
    m.set(s.name, e);
  }
  return m;
}

/**
 * A named fault point. Returns undefined at once when the point is not armed (the normal case);
 * when armed and the hit count matches, kills the process, throws {@link InjectedFault}, or
 * returns a promise that resolves after the delay (or never, for `hang`). Use as
 * `await faultPoint("accept.after-commit")`.
 */
export function faultPoint(name: string): Promise<void> | undefined {
  if (armed === undefined) armed = load();
  if (armed === null) return undefined;
  const e = armed.get(name);
  if (!e) return undefined;
  e.hits++;
  const spec = e.specs.find((s) => e.hits >= s.from && e.hits <= s.to);
  if (!spec) return undefined;
  const a = spec.action;
  if (a.kind === "kill") {
    process.kill(process.pid, "SIGKILL");
    return new Promise<void>(() => {}); // the signal is delivered before anything else runs
  }
  if (a.kind === "throw") throw new InjectedFault(name, a.code);
  if (a.kind === "hang") return new Promise<void>(() => {});
  return new Promise<void>((r) => setTimeout(r, a.ms));
}

/** Forgets the parsed env so the next call reads POSTWIRE_FAULTS again (tests of this module). */
export function resetFaults(): void {
  armed = undefined;
}
