// Workload 7: the push API. Push → frame latency (p50/p99, from the PushMessage call to the frame
// at the recipient's socket) at a fixed rate of pushes to 1,000 connected recipients, one push
// per call, round robin; global push fan-out to 10,000 recipient sockets (from the
// PushGlobalMessage call until every socket has its frame); RSS per idle recipient connection.
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import { postwireUnavailable, startPostwire, type Postwire } from "../lib/postwire.js";
import { latency, mb, num } from "../lib/stats.js";
import { reason, type Backend, type BenchContext, type Section, type Target, type Workload } from "../lib/types.js";

// 1,000 pushes/s as 10 PushMessage calls/s of 100 recipients each (one PushID per recipient):
// every webapi call pays for a basic-auth password check (scrypt, tens of ms of CPU) and a
// commit, so an app pushing at this rate batches; 50 calls/s alone saturated 2 busy cores.
const RECIPIENTS = 1000, RATE = 1000, PER_CALL = 100, FANOUT = 10_000;

/** The i-th client source address (100 sockets per 127.30.x.y address: per-IP limits). */
const source = (i: number) => { const k = Math.floor(i / 100); return `127.30.${k >> 8}.${(k & 255) + 1}`; };

type Recipient = { name: string; ws: WebSocket; got: Map<string, number> };

/** Registers `names` (50 calls in flight); their ConnectionURIs. */
async function register(pw: Postwire, names: string[]): Promise<string[]> {
  const uris: string[] = new Array(names.length);
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(names.slice(i, i + 50).map(async (name, j) => {
      const r = await pw.api("PushRecipientRegister", { Recipient: name });
      if (r.status !== 200) throw new Error(`PushRecipientRegister: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      uris[i + j] = (r.body as { ConnectionURI: string }).ConnectionURI;
    }));
  }
  return uris;
}

/** Opens one socket per recipient (25 upgrades in flight); resolves when each has its Listening frame. */
async function openSockets(names: string[], uris: string[], offset: number): Promise<Recipient[]> {
  const out: Recipient[] = [];
  for (let i = 0; i < names.length; i += 25) {
    out.push(...await Promise.all(names.slice(i, i + 25).map((name, j) => new Promise<Recipient>((resolve, reject) => {
      const ws = new WebSocket(uris[i + j]!, { perMessageDeflate: false, localAddress: source(offset + i + j) });
      const rc: Recipient = { name, ws, got: new Map() };
      ws.on("message", (d) => {
        const t = performance.now();
        const f = JSON.parse(String(d)) as { msg?: string; Payload?: { PushID?: number; GlobalID?: number } };
        if (f.msg === "Listening") return resolve(rc);
        if (f.Payload) rc.got.set(f.Payload.GlobalID ? `g${f.Payload.GlobalID}` : `p${f.Payload.PushID}`, t);
      });
      ws.once("error", reject);
      ws.once("unexpected-response", (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    }))));
  }
  return out;
}

async function waitAll(pred: () => boolean, maxMs: number): Promise<boolean> {
  const end = performance.now() + maxMs;
  while (!pred()) { if (performance.now() > end) return false; await sleep(5); }
  return true;
}

async function backendRows(ctx: BenchContext, backend: Backend, rows: string[][], targets: Target[], data: Record<string, unknown>) {
  const name = `postwire-${backend}`;
  let pw: Postwire | undefined;
  const all: Recipient[] = [];
  try {
    pw = await startPostwire(ctx, { backend });
    const seconds = ctx.quick ? 3 : 10;
    ctx.log(`push ${backend}: ${RECIPIENTS} recipients`);
    const names = Array.from({ length: RECIPIENTS }, (_, i) => `r${i}`);
    const recips = await openSockets(names, await register(pw, names), 0);
    all.push(...recips);
    // Warm-up (untimed).
    for (let i = 0; i < 50; i++) await pw.api("PushMessage", { Recipients: [recips[i]!.name], Message: { warm: i } });
    ctx.log(`push ${backend}: ${RATE} pushes/s for ${seconds} s (${RATE / PER_CALL} calls/s of ${PER_CALL} recipients)`);
    type Sent = { r: Recipient; at: number; id?: string };
    const sent: Sent[] = [];
    const calls: Promise<void>[] = [];
    const callRate = RATE / PER_CALL;
    const t0 = performance.now();
    for (let n = 0; n < callRate * seconds; n++) {
      const due = t0 + (n * 1000) / callRate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const at = performance.now();
      const batch: Sent[] = Array.from({ length: PER_CALL }, (_, j) => ({ r: recips[(n * PER_CALL + j) % recips.length]!, at }));
      sent.push(...batch);
      calls.push(pw.api("PushMessage", { Recipients: batch.map((b) => b.r.name), Message: { n } }).then((res) => {
        if (res.status !== 200) return;
        const ids = (res.body as { Pushes: { PushID: number }[] }).Pushes;
        batch.forEach((b, j) => (b.id = `p${ids[j]!.PushID}`));
      }, () => {}));
    }
    const achieved = (RATE * seconds) / ((performance.now() - t0) / 1000);
    await Promise.all(calls);
    await waitAll(() => sent.every((s) => !s.id || s.r.got.has(s.id)), 30_000);
    const xs = sent.flatMap((s) => (s.id && s.r.got.has(s.id) ? [s.r.got.get(s.id)! - s.at] : []));
    const lat = latency(xs, sent.length);
    rows.push([name, `push → frame, ${RATE}/s (${PER_CALL} per call) to ${RECIPIENTS} recipients (${num(achieved)}/s offered)`, `p50 ${num(lat.p50)} ms, p99 ${num(lat.p99)} ms${lat.lost ? ` (${lat.lost} lost)` : ""}`]);
    targets.push({ name: `push → frame p99 at ${RATE}/s (${backend})`, target: "≤20 ms (PostgreSQL)", measured: `${num(lat.p99)} ms`, met: backend === "pg" ? lat.p99 <= 20 : null });

    const fanout = ctx.quick ? 2000 : FANOUT;
    ctx.log(`push ${backend}: ${fanout} sockets for the global fan-out`);
    for (const r of recips) r.got.clear();
    const moreNames = Array.from({ length: fanout - RECIPIENTS }, (_, i) => `f${i}`);
    const moreUris = await register(pw, moreNames);
    await sleep(5000); // registrations' and the latency run's garbage settles before the baseline
    const before = pw.rss();
    const more = await openSockets(moreNames, moreUris, RECIPIENTS);
    all.push(...more);
    await sleep(5000);
    const after = pw.rss();
    const perConn = (after - before) / more.length;
    rows.push([name, `RSS per idle recipient connection (${more.length} opened)`, `${num(perConn / 1024)} KB (RSS ${mb(before)} → ${mb(after)} MB)`]);
    const g0 = performance.now();
    const res = await pw.api("PushGlobalMessage", { Message: { banner: "to all" } });
    const gid = `g${(res.body as { GlobalID: number }).GlobalID}`;
    const done = await waitAll(() => all.every((r) => r.got.has(gid)), 60_000);
    const last = Math.max(...all.map((r) => r.got.get(gid) ?? Infinity));
    const gotN = all.filter((r) => r.got.has(gid)).length;
    const fanMs = done ? last - g0 : NaN;
    rows.push([name, `global push to ${all.length} sockets: call → last frame`, done ? `${num(fanMs)} ms` : `${gotN} of ${all.length} within 60 s`]);
    targets.push({ name: `global push to ${all.length} sockets (${backend})`, target: "all frames ≤1 s", measured: done ? `${num(fanMs)} ms` : `${gotN}/${all.length}`, met: done && fanMs <= 1000 });
    data[backend] = { achieved, latency: lat, rssBefore: before, rssAfter: after, perConnection: perConn, fanoutSockets: all.length, fanoutMs: fanMs, fanoutReceived: gotN };
  } catch (e) {
    const why = postwireUnavailable(backend) ?? reason(e);
    rows.push([name, "all", `not available: ${why}`]);
    targets.push({ name: `push → frame p99 (${backend})`, target: "≤20 ms", measured: `not available: ${why}`, met: null });
  } finally {
    for (const r of all) r.ws.terminate();
    await pw?.stop();
  }
}

async function run(ctx: BenchContext): Promise<Section> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const data: Record<string, unknown> = {};
  for (const backend of ctx.lightBackends) await backendRows(ctx, backend, rows, targets, data);
  return {
    id: "push", title: "7. Push API",
    columns: ["server", "measure", "value"], rows, targets, data,
    notes: [
      "Push → frame: from just before the PushMessage HTTP call (100 recipients per call, round robin, calls issued at the fixed rate without waiting for answers) to the frame's arrival at that recipient's socket; same clock.",
      "Global fan-out: every connected recipient (the 1,000 above plus those opened for it) is a distinct registered recipient with one socket; from the PushGlobalMessage call to the last socket's frame.",
      "RSS per idle recipient connection: server process-group RSS after the fan-out sockets opened and idled 5 s, minus before (after their registrations, idle 5 s), over their number; garbage collection between the two reads can make it small or negative on a busy machine.",
    ],
  };
}

const workload: Workload = { id: "push", title: "Push API: push → frame at 1,000/s, global fan-out to 10,000 sockets, RSS per recipient connection", run };
export default workload;
