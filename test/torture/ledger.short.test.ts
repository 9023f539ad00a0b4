// The LEDGER checker itself: each invariant flags the violation it exists for, on synthetic
// snapshots (a checker that never fails proves nothing).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Ledger, subjectPrefix, type MsgRec } from "./harness/ledger.js";
import type { Snapshot } from "./harness/snapshot.js";

function setup(outcome: "acked" | "refused" | "cut", channel: "mx" | "webapi" = "mx") {
  const ledger = new Ledger();
  const msg: MsgRec = { nonce: "n1", channel, recipients: ["a@example.com", "b@example.com"], attempts: [], done: true };
  ledger.add(msg);
  ledger.record(msg, { id: "n1.1", outcome, reply: "x", cycle: 1 });
  return ledger;
}

const subject = `${subjectPrefix}n1.1`;
const empty = (): Snapshot => ({ messages: [], events: [], outbound: [], jobs: [], webhooks: null, webhookUrls: null });
const stored = (s: Snapshot, rcpts: string[], withEvents = true) => {
  for (const rcpt of rcpts) {
    const id = s.messages.length + 1;
    s.messages.push({ id, role: "inbox", rcpt, subject, expunged: false, listener: "mx" });
    if (withEvents) s.events.push({ id: 100 + id, kind: "incoming", messageId: id, queueMsgId: null });
  }
  return s;
};

describe("ledger invariants", () => {
  it("accepts an acknowledged message stored once per recipient with its events", () => {
    const r = setup("acked").check(stored(empty(), ["a@example.com", "b@example.com"]), { drained: true });
    assert.deepEqual(r.violations, []);
  });

  it("flags a lost, a duplicated and an event-less acknowledged message", () => {
    assert.match(setup("acked").check(stored(empty(), ["a@example.com"]), { drained: false }).violations.join("\n"), /stored 1\/0 times, want 1/);
    const twice = stored(empty(), ["a@example.com", "a@example.com", "b@example.com"]);
    assert.match(setup("acked").check(twice, { drained: false }).violations.join("\n"), /stored 2\/1 times/);
    const noEvent = stored(empty(), ["a@example.com", "b@example.com"], false);
    assert.match(setup("acked").check(noEvent, { drained: false }).violations.join("\n"), /0 incoming events, want 1/);
  });

  it("flags anything stored for a refused attempt, and a half-stored cut one", () => {
    assert.match(setup("refused").check(stored(empty(), ["a@example.com"]), { drained: false }).violations.join("\n"), /want 0/);
    assert.match(setup("cut").check(stored(empty(), ["a@example.com"]), { drained: false }).violations.join("\n"), /all 0 or all 1/);
    const r = setup("cut").check(stored(empty(), ["a@example.com", "b@example.com"]), { drained: false });
    assert.deepEqual(r.violations, []);
    assert.equal(r.stats.cutCommitted, 1);
  });

  it("flags phantoms, undrained queues, missing deliveries and webhook faults", () => {
    const s = stored(empty(), ["a@example.com", "b@example.com"]);
    s.messages.push({ id: 50, role: "inbox", rcpt: "x@example.com", subject: `${subjectPrefix}zzz.1`, expunged: false, listener: "mx" });
    s.jobs.push({ id: 1, kind: "delivery", lockedBy: null, runAt: new Date() });
    const v = setup("acked").check(s, { drained: true }).violations.join("\n");
    assert.match(v, /unknown attempt zzz\.1/);
    assert.match(v, /queue not drained/);

    const w = empty();
    w.outbound.push({ id: 7, recipient: "a@example.com", subject, status: "queued" }, { id: 8, recipient: "b@example.com", subject, status: "delivered" });
    w.events.push({ id: 1, kind: "queued", messageId: null, queueMsgId: 7 }, { id: 2, kind: "queued", messageId: null, queueMsgId: 8 });
    const d = setup("acked", "webapi").check(w, { drained: true }).violations.join("\n");
    assert.match(d, /outbound not drained/);
    assert.match(d, /delivered with 0 delivered events/);
    assert.match(d, /still queued when idle/);
    assert.match(d, /1 rows delivered, 0 copies at the MX/);
    w.outbound[0]!.status = "failed";
    assert.match(setup("acked", "webapi").check(w, { drained: true }).violations.join("\n"), /rows failed for a deliverable recipient/);

    const h = stored(empty(), ["a@example.com", "b@example.com"]);
    h.webhookUrls = { incoming: "http://127.0.0.1:1/in", outgoing: "" };
    h.webhooks = [{ id: 1, originId: null, webhookId: "msg_1", kind: "incoming", eventId: 101, status: "delivered" }];
    const seen = new Map([[1, { webhookIds: new Set(["msg_1", "msg_other"]), count: 2, attempts: [1, 1] }]]);
    const hv = setup("acked").check(h, { drained: true, hookSeen: seen }).violations.join("\n");
    assert.match(hv, /incoming event 102 has 0 webhooks/);
    assert.match(hv, /receiver saw webhook-ids msg_1,msg_other/);
    assert.match(hv, /attempt numbers repeated \(1,1\)/);
  });
});
