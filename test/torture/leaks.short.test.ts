// Handle leaks, in process (docs/guarantees.md F4): a serve-mode app on the suite's backend takes
// 40 concurrent SMTP sessions, 10 WebSocket subscribers and 20 webapi calls, twice; the active
// resources (process.getActiveResourcesInfo) after the second round match the first, and after
// stop() nothing the app started is left (sockets, timers, servers).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestApp, testPassword } from "../helpers/app.js";
import { closeAll, subscribers } from "./harness/fleet.js";
import { Ledger } from "./harness/ledger.js";
import { attemptOnce, newMessage, seededRandom } from "./harness/load.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

/** Types whose count grew by more than `slack` from `a` to `b`. */
function grown(a: Record<string, number>, b: Record<string, number>, slack: number): string[] {
  return Object.keys(b).filter((k) => b[k]! > (a[k] ?? 0) + slack).map((k) => `${k}: ${a[k] ?? 0} → ${b[k]}`);
}

describe("handle leaks (in process)", () => {
  it("returns to the same active resources after load, and to the baseline after stop", { timeout: 240_000 }, async (t) => {
    const baseline = resources();
    const app = await startTestApp({ config: { smtp: { maxRecipients: 5, maxConnectionsPerIp: 1000 } } });
    const ports = { smtp: app.ports.smtp!, submission: app.ports.submission!, http: app.ports.http! };
    const auth = `Basic ${Buffer.from(`alice@example.test:${testPassword}`).toString("base64")}`;
    const ledger = new Ledger();
    const random = seededRandom(5);
    const round = async () => {
      const msgs = Array.from({ length: 40 }, () => {
        const m = newMessage("mx", random);
        m.recipients = ["alice@example.test"];
        ledger.add(m);
        return m;
      });
      const subs = await subscribers(ports.http, 10, auth, ["127.0.0.1"]);
      await Promise.all(msgs.map((m) => attemptOnce({ ports, ledger, cycle: 0 }, m)));
      await Promise.all(
        Array.from({ length: 20 }, () =>
          fetch(`http://127.0.0.1:${ports.http}/webapi/v0/MessageList`, { method: "POST", headers: { Authorization: auth }, body: new URLSearchParams({ request: "{}" }) }).then((r) => r.text()),
        ),
      );
      await closeAll(subs);
      assert.ok(msgs.every((m) => m.attempts[0]!.outcome === "acked"), "every session got its 250");
      await sleep(1500); // closing handshakes, keep-alive sockets
      return resources();
    };
    try {
      const first = await round();
      const second = await round();
      t.diagnostic(`after round 1: ${JSON.stringify(first)}; after round 2: ${JSON.stringify(second)}`);
      assert.deepEqual(grown(first, second, 2), [], "no growth between identical rounds");
    } finally {
      await app.cleanup();
    }
    await sleep(1000);
    const end = resources();
    t.diagnostic(`before start: ${JSON.stringify(baseline)}; after stop: ${JSON.stringify(end)}`);
    assert.deepEqual(grown(baseline, end, 1), [], "nothing left running after stop");
  });
});
