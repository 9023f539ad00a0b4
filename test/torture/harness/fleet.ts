// Load fleets (docs/guarantees.md F1, F3): many concurrent SMTP sessions recorded in the LEDGER, and
// many WebSocket subscribers spread over loopback source addresses (the per-IP handshake rate
// limit is per address), each counting the incoming events it sees.
import WebSocket from "ws";
import type { Outcome } from "./drivers.js";
import type { Ledger } from "./ledger.js";
import { attemptOnce, newMessage, seededRandom } from "./load.js";

/** What a fleet of SMTP sessions saw. */
export type SmtpFleet = { outcomes: Record<Outcome, number>; replies: Record<string, number>; p50: number; p99: number; max: number };

/** `n` MX sessions at once, each one message of about `bodyBytes`; all recorded in `ledger`. */
export async function smtpFleet(
  ports: { smtp: number; submission: number; http: number },
  ledger: Ledger,
  n: number,
  o: { seed: number; bodyBytes: number; cycle: number; timeoutMs?: number },
): Promise<SmtpFleet> {
  const random = seededRandom(o.seed);
  const msgs = Array.from({ length: n }, () => {
    const m = newMessage("mx", random);
    m.recipients = m.recipients.map((r) => r.replace("+451-250", ""));
    ledger.add(m);
    return m;
  });
  const padding = "x".repeat(76) + "\r\n";
  const pad = padding.repeat(Math.max(0, Math.floor(o.bodyBytes / padding.length)));
  // RFC 5321 §4.5.3.2.6: a client waits 10 minutes for the reply to the end of data.
  await Promise.all(msgs.map((m) => attemptOnce({ ports, ledger, cycle: o.cycle, padBody: pad, timeoutMs: o.timeoutMs ?? 600_000 }, m)));
  const outcomes: Record<Outcome, number> = { acked: 0, refused: 0, cut: 0, unsent: 0 };
  const replies: Record<string, number> = {};
  const ms: number[] = [];
  for (const m of msgs) {
    const a = m.attempts.at(-1)!;
    outcomes[a.outcome]++;
    const k = a.reply.slice(0, 9);
    replies[k] = (replies[k] ?? 0) + 1;
    ms.push(a.ms ?? 0);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0;
  return { outcomes, replies, p50: q(0.5), p99: q(0.99), max: ms.at(-1) ?? 0 };
}

/** One subscriber. */
export type Subscriber = { ws: WebSocket; events: string[]; listening: Promise<boolean>; closed: Promise<number> };

/** Opens `n` subscribers on /webapi/v0/events with basic auth, round-robin over `sources` (127.0.0.x). */
export async function subscribers(httpPort: number, n: number, auth: string, sources: string[]): Promise<Subscriber[]> {
  const out: Subscriber[] = [];
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/webapi/v0/events`, { headers: { Authorization: auth }, perMessageDeflate: false, localAddress: sources[i % sources.length] });
    const events: string[] = [];
    let listened!: (ok: boolean) => void;
    const listening = new Promise<boolean>((r) => (listened = r));
    ws.on("message", (d: Buffer) => {
      const text = d.toString("utf8");
      if (text.includes('"Listening"')) listened(true);
      else events.push(text);
    });
    ws.on("unexpected-response", (_req, res) => {
      listened(false);
      res.resume();
      ws.terminate();
    });
    ws.on("error", () => listened(false));
    const closed = new Promise<number>((r) => ws.on("close", (code) => (listened(false), r(code))));
    out.push({ ws, events, listening, closed });
    if (i % 50 === 49) await Promise.all(out.slice(-50).map((s) => s.listening)); // pace the handshakes
  }
  await Promise.all(out.map((s) => s.listening));
  return out;
}

/** Waits until every open subscriber saw `count` events that `match` (or the deadline); returns the counts. */
export async function waitEvents(subs: Subscriber[], match: (event: string) => boolean, count: number, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  const seen = () => subs.map((s) => s.events.filter(match).length);
  while (Date.now() < deadline && seen().some((c) => c < count)) await new Promise((r) => setTimeout(r, 200));
  return seen();
}

/** Closes every subscriber and waits for the closes. */
export async function closeAll(subs: Subscriber[]): Promise<void> {
  for (const s of subs) s.ws.close();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(subs.map((s) => s.closed)), new Promise((r) => (timer = setTimeout(r, 10_000)))]);
  clearTimeout(timer);
  for (const s of subs) s.ws.terminate();
}
