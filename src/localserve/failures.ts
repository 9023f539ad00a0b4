// localserve's scripted SMTP failures (docs/contract.md §4): the receive path asks, per phase and
// address, whether to answer with an error instead of going on. mox's rules on the localpart
// suffix (`temperror`, `permerror`, `NNN`, `timeout`; prefixes `mailfrom`/`rcptto` pick the
// phase) plus Postwire's sequences: `x+451-451-250` answers 451, 451, then 250 for successive
// deliveries of one message to that recipient, then keeps the last code.

/** An SMTP reply to give instead of accepting; `delayMs` is waited before replying. */
export type SimulatedFailure = { code: number; enhanced: string; message: string; delayMs?: number };

/** The phase of the SMTP transaction being checked. */
export type FailurePhase = "mailfrom" | "rcptto" | "data";

/** Answers whether an address gets a scripted failure in a phase. */
export type FailureSimulator = {
  /**
   * `address` is the MAIL FROM address in phase `mailfrom`, else a recipient. `messageKey`
   * identifies the message across deliveries (e.g. its Message-ID) for sequences.
   * Returns null to go on normally.
   */
  check(phase: FailurePhase, address: string, messageKey: string): SimulatedFailure | null;
};

const hour = 3_600_000;
// Sequences are remembered per message and recipient; the oldest are forgotten past this.
const maxRemembered = 10_000;

/** Creates a simulator; sequence positions live in memory for the life of the process. */
export function createFailureSimulator(): FailureSimulator {
  const seen = new Map<string, number>();
  return {
    check(phase, address, messageKey) {
      const lp = localpart(address);
      // A sequence advances only in its own phase (each delivery counts once).
      const seq = sequence(lp);
      if (seq) return phaseOf(lp) === phase ? fromCode(nextInSequence(seen, `${messageKey}\0${address}`, seq)) : null;
      // MAIL FROM and RCPT TO fail only for their prefix; at DATA every recipient's suffix
      // counts, whatever its prefix (mox checks all recipients there).
      if (phase !== "data" && phaseOf(lp) !== phase) return null;
      return suffixFailure(lp);
    },
  };
}

/** mox: prefix `mailfrom` fails at MAIL FROM, `rcptto` at RCPT TO, anything else at DATA only. */
function phaseOf(lp: string): FailurePhase {
  if (lp.startsWith("mailfrom")) return "mailfrom";
  if (lp.startsWith("rcptto")) return "rcptto";
  return "data";
}

function localpart(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 0 ? address : address.slice(0, at);
}

/** mox's LocalserveNeedsError (mox-/localserve.go): suffix rules, case-sensitive. */
function suffixFailure(lp: string): SimulatedFailure | null {
  if (lp.endsWith("temperror")) return fromCode(451);
  if (lp.endsWith("permerror")) return fromCode(550);
  if (lp.endsWith("timeout")) {
    return { code: 451, enhanced: "4.3.0", message: "timing out submission due to special localpart", delayMs: hour };
  }
  const tail = lp.slice(-3);
  if (!/^\d{3}$/.test(tail)) return null;
  return fromCode(Number(tail));
}

/**
 * The reply for a scripted code; null for codes below 400 (success) or above 600. Like mox the
 * enhanced code is `<class>.0.0`; 600 is passed on as mox does, though no SMTP class 6 exists.
 */
function fromCode(code: number): SimulatedFailure | null {
  if (code < 400 || code > 600) return null;
  const cls = Math.floor(code / 100);
  return { code, enhanced: `${cls}.0.0`, message: `failure with code ${code} due to special localpart` };
}

/** Codes after the last `+` when they form `NNN-NNN-...` with at least two codes, else null. */
function sequence(lp: string): number[] | null {
  const plus = lp.lastIndexOf("+");
  if (plus < 0) return null;
  const tail = lp.slice(plus + 1);
  if (!/^\d{3}(-\d{3})+$/.test(tail)) return null;
  return tail.split("-").map(Number);
}

function nextInSequence(seen: Map<string, number>, key: string, codes: number[]): number {
  const n = seen.get(key) ?? 0;
  seen.delete(key); // re-insert to keep the map in least-recently-used order
  seen.set(key, n + 1);
  if (seen.size > maxRemembered) seen.delete(seen.keys().next().value!);
  return codes[Math.min(n, codes.length - 1)]!;
}
