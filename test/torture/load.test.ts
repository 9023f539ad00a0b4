// Load, long version (docs/guarantees.md F1, F3; `npm run test:torture`): against a localserve child,
// three rounds of 1,000 concurrent SMTP sessions of 20 KB each (every one 250 or a clean
// 421/451, ledger clean, RSS plateaus, descriptors back to the baseline), then 1,000 WebSocket
// subscribers that each see every incoming event, and descriptors back after they leave.
// Figures go to the TAP diagnostics. F2 (10,000 queued webhooks) is in webhooks-load.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { login } from "./harness/drivers.js";
import { closeAll, smtpFleet, subscribers, waitEvents } from "./harness/fleet.js";
import { Ledger } from "./harness/ledger.js";
import { startTortureServer, type TortureServer } from "./harness/server.js";
import { readSnapshot } from "./harness/snapshot.js";

const sessions = Number(process.env.TORTURE_LOAD_SESSIONS ?? 1000);
const subs = Number(process.env.TORTURE_LOAD_SUBSCRIBERS ?? 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (kb: number) => Math.round(kb / 1024);

describe("load (F1, F3)", () => {
  let server: TortureServer;
  const ledger = new Ledger();
  before(async () => (server = await startTortureServer()));
  after(async () => server?.cleanup());

  it(`F1: ${sessions} concurrent SMTP sessions, three rounds`, { timeout: 900_000 }, async (t) => {
    await smtpFleet(server.ports, ledger, 20, { seed: 1, bodyBytes: 20_000, cycle: 0 }); // warm up
    await sleep(2000);
    const base = server.stats();
    t.diagnostic(`baseline: rss ${mb(base.rssKb)} MB, fds ${base.fds}`);
    const rss: number[] = [];
    for (let round = 1; round <= 3; round++) {
      const f = await smtpFleet(server.ports, ledger, sessions, { seed: 100 + round, bodyBytes: 20_000, cycle: round });
      await sleep(3000);
      const st = server.stats();
      rss.push(st.rssKb);
      t.diagnostic(`round ${round}: ${JSON.stringify(f.replies)}, latency p50 ${f.p50} ms p99 ${f.p99} ms max ${f.max} ms; rss ${mb(st.rssKb)} MB, fds ${st.fds}`);
      assert.equal(f.outcomes.cut + f.outcomes.unsent, 0, `every session got an answer: ${JSON.stringify(f.outcomes)}`);
      for (const k of Object.keys(f.replies)) assert.match(k, /^(250|421|451) /, `only 250 or a clean 421/451 (${k})`);
      assert.ok(st.fds <= base.fds + 20, `descriptors back to the baseline (${st.fds} vs ${base.fds})`);
    }
    assert.ok(rss[2]! - rss[0]! < 64 * 1024, `RSS plateaus: ${rss.map(mb).join(" → ")} MB`);
  });

  it(`F3: ${subs} WebSocket subscribers each see every incoming event`, { timeout: 600_000 }, async (t) => {
    const before = server.stats();
    const auth = `Basic ${Buffer.from(`${login.user}:${login.password}`).toString("base64")}`;
    const list = await subscribers(server.ports.http, subs, auth, ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]);
    const open = list.filter((s) => s.ws.readyState === s.ws.OPEN);
    assert.equal(open.length, subs, "every subscriber was admitted");
    const during = server.stats();
    const t0 = Date.now();
    const f = await smtpFleet(server.ports, ledger, 20, { seed: 7, bodyBytes: 1000, cycle: 10 });
    assert.equal(f.outcomes.acked, 20);
    const fresh = ledger.msgs.slice(-20);
    const recipients = fresh.reduce((n, m) => n + m.recipients.length, 0); // one event per recipient
    const subjects = fresh.map((m) => `"Subject":"torture ${m.nonce}.1"`);
    // Count only these: a stream without `since` starts at the PostgreSQL snapshot horizon, so
    // events committed just before the subscription may come too (cursor order, by design).
    const seen = await waitEvents(open, (e) => subjects.some((s) => e.includes(s)), recipients, 120_000);
    t.diagnostic(`${subs} subscribers: rss ${mb(before.rssKb)} → ${mb(during.rssKb)} MB, fds ${before.fds} → ${during.fds}; ${recipients} events fanned out to all in ${Date.now() - t0} ms`);
    assert.deepEqual([...new Set(seen)], [recipients], "every subscriber saw every event");
    await closeAll(list);
    await sleep(3000);
    const afterClose = server.stats();
    t.diagnostic(`after close: rss ${mb(afterClose.rssKb)} MB, fds ${afterClose.fds}`);
    assert.ok(afterClose.fds <= before.fds + 20, `descriptors released (${afterClose.fds} vs ${before.fds})`);
  });

  it("ledger: every acknowledged session stored once, nothing for the refused", { timeout: 120_000 }, async () => {
    if (server.backend === "pglite") await server.stop();
    const r = await server.withDb(async (db) => ledger.check(await readSnapshot(db), { drained: false }));
    assert.deepEqual(r.violations, []);
  });
});
