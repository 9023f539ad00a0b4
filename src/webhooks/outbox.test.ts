import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { schema } from "../db/index.js";
import { exampleBody } from "../events/index.js";
import { hookEnv, openHookBase, type HookBase } from "./test-env.js";

// mox queue/hook_test.go TestHookIncoming and the outbox rules (docs/guarantees.md E3), without
// running the runner: rows and jobs as the appending transaction left them.
describe("webhook outbox", () => {
  let base: HookBase;
  before(async () => (base = await openHookBase()));
  after(async () => base.close());

  const jobsOf = async (ids: (number | null)[]) => {
    const all = await base.database.db.select().from(schema.jobs);
    return all.filter((j) => ids.includes(j.id));
  };

  it("queues nothing without an incoming webhook, then the exact Incoming payload with URL and Authorization copied", async () => {
    const env = await hookEnv(base, { start: false });
    try {
      await env.incoming();
      assert.equal((await env.rows()).length, 0);
      await env.configure({ incoming: { url: env.rx.url("/in"), authorization: "Basic dXNlcjpwYXNz" } });
      const eventId = await env.incoming();
      const [row] = await env.rows();
      assert.ok(row);
      assert.equal(row.kind, "incoming");
      assert.equal(row.event, "incoming");
      assert.equal(row.eventId, eventId);
      assert.equal(row.payload, exampleBody("webhook-incoming-basic"));
      assert.equal(row.url, env.rx.url("/in"));
      assert.equal(row.authorization, "Basic dXNlcjpwYXNz");
      assert.equal(row.status, "pending");
      assert.equal(row.attempts, 0);
      assert.match(row.webhookId, /^msg_[A-Za-z0-9_-]{22}$/);
      const [job] = await jobsOf([row.jobId]);
      assert.equal(job?.kind, "webhook");
      assert.equal(job?.limitKey, row.url);
      assert.deepEqual(job?.payload, { webhookId: row.webhookId });
      // Config changes later do not affect a queued webhook.
      await env.configure({ incoming: { url: env.rx.url("/other") } });
      assert.equal((await env.row(row.id)).url, env.rx.url("/in"));
    } finally {
      await env.stop();
    }
  });

  it("leaves no webhook and no job when the appending transaction rolls back", async () => {
    const env = await hookEnv(base, { start: false });
    try {
      await env.configure({ incoming: { url: env.rx.url() } });
      const jobsBefore = (await base.database.db.select().from(schema.jobs)).length;
      await env.rolledBack();
      assert.equal((await env.rows()).length, 0);
      assert.equal((await base.database.db.select().from(schema.jobs)).length, jobsBefore);
    } finally {
      await env.stop();
    }
  });

  it("sends mox's eight outgoing events by default and `queued` only when listed", async () => {
    const env = await hookEnv(base, { start: false });
    try {
      await env.configure({ outgoing: { url: env.rx.url() } });
      await env.outgoing("queued", 1);
      await env.outgoing("delivered", 2);
      await env.outgoing("unrecognized", 3);
      assert.deepEqual((await env.rows()).map((r) => r.event), ["delivered", "unrecognized"]);
      await env.configure({ outgoing: { url: env.rx.url(), events: ["queued", "failed"] } });
      await env.outgoing("queued", 4);
      await env.outgoing("delivered", 5);
      await env.outgoing("failed", 6);
      assert.deepEqual((await env.rows()).map((r) => r.event), ["delivered", "unrecognized", "queued", "failed"]);
      await assert.rejects(env.configure({ outgoing: { url: env.rx.url(), events: ["bounced"] } }), { code: "webhook_invalid_config" });
    } finally {
      await env.stop();
    }
  });

  it("supersedes a pending outgoing webhook of the same queue message, never an incoming one", async () => {
    const env = await hookEnv(base, { start: false });
    try {
      await env.configure({ incoming: { url: env.rx.url("/in") }, outgoing: { url: env.rx.url("/out") } });
      await env.incoming();
      await env.outgoing("delayed", 7);
      await env.outgoing("delayed", 8);
      await env.incoming();
      await env.outgoing("delivered", 7);
      const rows = await env.rows();
      const [in1, first, other, in2, second] = rows;
      assert.equal(rows.length, 5);
      assert.equal(first!.status, "superseded");
      assert.equal(first!.supersededById, second!.id);
      assert.equal(first!.jobId, null);
      assert.ok(first!.keepUntil);
      assert.equal(second!.status, "pending");
      assert.equal(other!.status, "pending", "another message's webhook stays");
      assert.equal(in1!.status, "pending");
      assert.equal(in2!.status, "pending");
      assert.equal((await jobsOf([rows[1]!.jobId])).length, 0);
      const jobs = await jobsOf(rows.map((r) => r.jobId));
      assert.equal(jobs.length, 4, "the superseded job is gone");
    } finally {
      await env.stop();
    }
  });

  it("deletes instead of keeping superseded webhooks when the account keeps none", async () => {
    const env = await hookEnv(base, { start: false, settings: { keepRetiredWebhookMs: 0 } });
    try {
      await env.configure({ outgoing: { url: env.rx.url() } });
      await env.outgoing("delayed", 9);
      await env.outgoing("failed", 9);
      assert.deepEqual((await env.rows()).map((r) => [r.event, r.status]), [["failed", "pending"]]);
    } finally {
      await env.stop();
    }
  });
});
