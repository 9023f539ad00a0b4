// Mixed load with per-message nonces: MX (1–3 recipients, some scripted to answer 451 first),
// authenticated submission, and webapi Send (some recipients answer 451 at delivery first).
// Workers retry what was cut, unsent or refused with a 4xx, like a real client, with the same
// nonce and Message-ID and a fresh attempt id; every attempt goes into the ledger.
import { sendOne, type Channel, type Send } from "./drivers.js";
import { subjectPrefix, type Ledger, type MsgRec } from "./ledger.js";

/** A seeded PRNG (mulberry32): the same seed gives the same run plan. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Load settings. */
export type LoadOptions = {
  ports: { smtp: number; submission: number; http: number };
  ledger: Ledger;
  random: () => number;
  cycle: number;
  /** Concurrent workers. */
  workers: number;
  /** Channel weights. */
  mix?: Partial<Record<Channel, number>>;
  /** Attempts per message before the client gives up. */
  maxAttempts?: number;
  /** Stop making attempts when this says so (e.g. the server died). */
  alive: () => boolean;
};

/** A running load; `stop()` waits for the attempts in flight. */
export type Load = { stop(): Promise<void>; attempts(): number };

let seq = 0;

/** Makes a new logical message for a channel. */
export function newMessage(channel: Channel, random: () => number): MsgRec {
  const nonce = `${channel[0]}${Date.now().toString(36)}${(seq++).toString(36)}${Math.floor(random() * 1e9).toString(36)}`;
  const n = 1 + Math.floor(random() * (channel === "mx" ? 3 : 2));
  const recipients: string[] = [];
  for (let i = 0; i < n; i++) {
    const scripted = channel !== "submission" && random() < 0.1;
    const base = channel === "mx" ? `${nonce}-${i}` : `${channel[0]}${Math.floor(random() * 20)}`;
    const domain = ["example.com", "example.org", "example.net"][i % 3];
    recipients.push(`${base}${scripted ? "+451-250" : ""}@${domain}`);
  }
  return { nonce, channel, recipients: [...new Set(recipients)], attempts: [], done: false };
}

/** Builds the attempt's message: the Subject carries the attempt id. */
export function attemptSend(msg: MsgRec, padBody = ""): Send {
  const id = `${msg.nonce}.${msg.attempts.length + 1}`;
  const body = `nonce ${msg.nonce} attempt ${id}\r\n${"torture line\r\n".repeat(1 + (msg.nonce.length % 5))}${padBody}`;
  return { channel: msg.channel, recipients: msg.recipients, subject: subjectPrefix + id, messageId: `<${msg.nonce}@torture.test>`, body };
}

/** Makes one attempt of `msg` and records it; returns false when nothing was sent. */
export async function attemptOnce(
  o: { ports: LoadOptions["ports"]; ledger: Ledger; cycle: number; maxAttempts?: number; padBody?: string; timeoutMs?: number },
  msg: MsgRec,
): Promise<boolean> {
  const s = attemptSend(msg, o.padBody);
  const r = await sendOne(o.ports, s, o.timeoutMs);
  o.ledger.record(msg, { id: s.subject.slice(subjectPrefix.length), outcome: r.outcome, reply: r.reply, cycle: o.cycle, ms: r.ms });
  const permanent = r.outcome === "acked" || (r.outcome === "refused" && /^5/.test(r.reply)) || (r.outcome === "refused" && msg.channel === "webapi" && /^4\d\d \{/.test(r.reply));
  if (permanent || msg.attempts.length >= (o.maxAttempts ?? 8)) msg.done = true;
  return r.outcome !== "unsent";
}

/** Messages that still need an attempt. */
export function pending(ledger: Ledger): MsgRec[] {
  return ledger.msgs.filter((m) => !m.done && m.attempts.length > 0);
}

/** Starts the workers. */
export function startLoad(o: LoadOptions): Load {
  const mix = { mx: 2, submission: 1, webapi: 1, ...o.mix };
  const total = mix.mx + mix.submission + mix.webapi;
  let stopping = false;
  let count = 0;
  const inFlight = new Set<MsgRec>();
  const pick = (): MsgRec => {
    const retry = pending(o.ledger).filter((m) => !inFlight.has(m));
    if (retry.length && o.random() < 0.3) return retry[Math.floor(o.random() * retry.length)]!;
    const x = o.random() * total;
    const ch: Channel = x < mix.mx ? "mx" : x < mix.mx + mix.submission ? "submission" : "webapi";
    const m = newMessage(ch, o.random);
    o.ledger.add(m);
    return m;
  };
  const worker = async () => {
    while (!stopping && o.alive()) {
      const m = pick();
      inFlight.add(m);
      try {
        count++;
        await attemptOnce(o, m);
      } finally {
        inFlight.delete(m);
      }
    }
  };
  const all = Promise.all(Array.from({ length: o.workers }, worker));
  return {
    attempts: () => count,
    async stop() {
      stopping = true;
      await all;
    },
  };
}

/** Retries every pending message until done (the server is up and healthy). */
export async function settle(o: { ports: LoadOptions["ports"]; ledger: Ledger; cycle: number }, rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const p = pending(o.ledger);
    if (p.length === 0) return;
    for (let k = 0; k < p.length; k += 8) await Promise.all(p.slice(k, k + 8).map((m) => attemptOnce({ ...o, maxAttempts: 1000 }, m)));
  }
}
