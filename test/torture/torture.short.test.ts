// The torture loop, short and seeded (runs in `npm test`, on PGlite or TEST_DATABASE_URL):
// cycle 1 kills at the accept fault point (committed, 250 not yet written: E2), cycle 2 at a
// seeded random moment under mixed MX/submission/webapi load (E1/E12), cycle 3 at the
// delivery fault point (the MX said 250, outcome not recorded: E5), cycle 4 after a webhook POST
// (E4: same webhook-id, attempt numbers never repeat); the ledger is checked after every kill
// and, at the end, once the server is idle again (everything delivered and webhooked, queues empty).
// The long version (torture.test.ts) runs 100 cycles on a throwaway PostgreSQL cluster.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runTorture } from "./harness/torture.js";

const seed = Number(process.env.TORTURE_SEED ?? 20240327);

describe("torture (short)", () => {
  it("keeps the ledger through kill -9 at fault points and at random moments", { timeout: 280_000 }, async () => {
    const lines: string[] = [];
    const r = await runTorture({
      seed,
      cycles: 4,
      killAfterMs: [400, 1500],
      plan: ["accept.after-commit", null, "delivery.after-remote-250", "webhook.after-post"],
      drainEvery: 4,
      workers: 3,
      raiseLimits: false,
      log: (l) => lines.push(l),
    });
    const detail = `seed ${seed} on ${r.backend}\n${lines.join("\n")}\n${JSON.stringify(r.stats)}\n${r.violations.join("\n")}`;
    assert.deepEqual(r.violations, [], detail);
    assert.deepEqual(r.badSignatures, [], detail);
    assert.ok(r.stats && r.stats.attempts.acked > 0, `some mail was acknowledged\n${detail}`);
    assert.ok(r.cycles[0]!.how.startsWith("fault point accept.after-commit") && !r.cycles[0]!.how.includes("not reached"), detail);
    assert.ok(r.webhooks, `the server has webhooks configured (their checks ran)\n${detail}`);
    assert.ok(!r.cycles[3]!.how.includes("not reached"), `the webhook fault point was hit\n${detail}`);
    // The after-commit kill leaves a committed message whose 250 was lost: a client's (cut,
    // stored once, retried) or the server's own delivery to itself (delivered again).
    assert.ok(r.stats!.cutCommitted + r.stats!.deliveryDuplicates >= 1, `a committed message lost its 250\n${detail}`);
  });
});
