// E10, long (`npm run test:torture`): SIGTERM with 100 live sessions, half in the middle of DATA
// and half idle after EHLO. Expect: each DATA in flight either finishes with 250 (and is stored)
// or gets a 4xx (and is not); the process exits within the grace period; after a restart the
// ledger is consistent and the database (PGlite: closed cleanly) opens.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RawSmtp } from "../helpers/smtp-client.js";
import { composeRaw } from "./harness/drivers.js";
import { Ledger, subjectPrefix } from "./harness/ledger.js";
import { attemptSend, newMessage, seededRandom } from "./harness/load.js";
import { startTortureServer, type TortureServer } from "./harness/server.js";
import { readSnapshot } from "./harness/snapshot.js";

const graceMs = 60_000;

describe("E10: SIGTERM with 100 live sessions", () => {
  let server: TortureServer;
  before(async () => (server = await startTortureServer()));
  after(async () => server?.cleanup());

  it("finishes or refuses what is in flight, exits in time, restarts consistent", { timeout: 600_000 }, async (t) => {
    const ledger = new Ledger();
    const random = seededRandom(10);
    const sessions = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const c = await RawSmtp.open(server.ports.smtp);
        await c.reply();
        await c.cmd("EHLO term.example");
        if (i % 2) return { c, msg: null, rest: "" };
        const msg = newMessage("mx", random);
        msg.recipients = msg.recipients.map((r) => r.replace("+451-250", ""));
        ledger.add(msg);
        await c.cmd("MAIL FROM:<term@client.example>");
        for (const r of msg.recipients) await c.cmd(`RCPT TO:<${r}>`);
        assert.match(await c.cmd("DATA"), /^354/);
        const s = attemptSend(msg);
        const raw = composeRaw(s, "term@client.example") + ".\r\n";
        c.write(raw.slice(0, 40)); // DATA in flight
        return { c, msg, rest: raw.slice(40), id: s.subject.slice(subjectPrefix.length) };
      }),
    );
    const t0 = Date.now();
    const exited = server.exited(graceMs + 10_000);
    server.proc.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    const replies = await Promise.all(
      sessions.map(async (s) => {
        if (!s.msg) return (await s.c.reply(graceMs).catch(() => "timeout")) || "closed";
        s.c.write(s.rest);
        const r = await s.c.reply(graceMs).catch(() => "timeout");
        const outcome = /^250 /.test(r) ? "acked" : r === "" ? "cut" : /^[45]/.test(r) ? "refused" : "cut";
        ledger.record(s.msg, { id: (s as { id: string }).id, outcome, reply: r || "closed", cycle: 1 });
        return r || "closed";
      }),
    );
    assert.ok(await exited, "the process exited");
    const exitMs = Date.now() - t0;
    for (const s of sessions) s.c.close();
    const summary: Record<string, number> = {};
    for (const r of replies) summary[r.replace(/queued as .*/, "queued")] = (summary[r.replace(/queued as .*/, "queued")] ?? 0) + 1;
    t.diagnostic(`exit after ${exitMs} ms (code ${server.proc.child.exitCode}, signal ${server.proc.child.signalCode}); replies ${JSON.stringify(summary)}`);
    assert.ok(exitMs < graceMs, `exit within the grace period (${exitMs} ms)`);
    assert.equal(server.proc.child.signalCode, null, "a clean exit, not a kill");
    const r = await server.withDb(async (db) => ledger.check(await readSnapshot(db), { drained: false }));
    assert.deepEqual(r.violations, []);
    await server.start(""); // reopens cleanly
    assert.ok(server.running());
  });
});
