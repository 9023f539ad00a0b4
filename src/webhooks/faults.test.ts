import assert from "node:assert/strict";
import type http from "node:http";
import { after, before, describe, it } from "node:test";
import { schema } from "../db/index.js";
import { claimJobs } from "../queue/index.js";
import { answer, hookEnv, openHookBase, type HookBase } from "./test-env.js";
import { startReceiver } from "./test-receiver.js";

// docs/guarantees.md group D against a real receiver: statuses, Retry-After, redirects, hanging and
// endless receivers, 410, supersede during a POST, per-URL concurrency.
describe("webhook receiver faults", () => {
  let base: HookBase;
  before(async () => (base = await openHookBase()));
  after(async () => base.close());

  it("counts 200, 204 and 299 as success and 500, 503 and 429 as failures to retry (D2)", async () => {
    const env = await hookEnv(base);
    try {
      await env.configure({ outgoing: { url: env.rx.url() } });
      const statuses = [200, 204, 299, 500, 503, 429];
      for (const [i, status] of statuses.entries()) {
        env.rx.handle(answer(status));
        await env.outgoing("delivered", 100 + i);
        await env.until(async () => (await env.rows())[i]!.results.at(-1)?.code === status, `status ${status}`);
      }
      const rows = await env.rows();
      assert.deepEqual(rows.map((r) => r.status), ["delivered", "delivered", "delivered", "pending", "pending", "pending"]);
      // Without Retry-After the schedule applies: one minute.
      for (const r of rows.slice(3)) assert.equal(r.nextAttemptAt!.getTime() - r.lastAttemptAt!.getTime(), 60_000);
    } finally {
      await env.stop();
    }
  });

  it("honours Retry-After when it asks for longer than the schedule, up to 16 h (D2)", async () => {
    const env = await hookEnv(base);
    try {
      await env.configure({ outgoing: { url: env.rx.url() } });
      const cases: [string, number][] = [["7200", 7_200_000], ["30", 60_000], ["999999", 16 * 3_600_000]];
      for (const [i, [header, wait]] of cases.entries()) {
        env.rx.handle(answer(503, "busy", { "Retry-After": header }));
        await env.outgoing("delivered", 200 + i);
        await env.until(async () => (await env.rows())[i]?.results.at(-1)?.code === 503, `503 ${header}`);
        const r = (await env.rows())[i]!;
        // Counted from the end of the attempt; the manual clock did not move during it.
        assert.equal(r.nextAttemptAt!.getTime() - r.lastAttemptAt!.getTime(), wait, header);
      }
    } finally {
      await env.stop();
    }
  });

  it("never follows a redirect and records it as a failure (D4)", async () => {
    const target = await startReceiver();
    const env = await hookEnv(base, { handler: answer(301, "", { Location: target.url("/elsewhere") }) });
    try {
      await env.configure({ incoming: { url: env.rx.url() } });
      await env.incoming();
      await env.until(async () => (await env.rows())[0]!.attempts === 1 && (await env.rows())[0]!.results[0]!.code === 301, "the 301");
      const [r] = await env.rows();
      assert.equal(r!.status, "pending");
      assert.match(r!.results[0]!.error, /redirect not followed/);
      assert.equal(target.requests.length, 0);
    } finally {
      await env.stop();
      await target.close();
    }
  });

  it("disables the endpoint on 410 until it is reconfigured", async () => {
    const env = await hookEnv(base, { handler: answer(410, "gone") });
    try {
      const view = await env.configure({ incoming: { url: env.rx.url("/a") } });
      assert.equal(view.incoming?.disabledAt, null);
      await env.incoming();
      await env.until(async () => (await env.rows())[0]!.status === "failed", "the 410 to retire it");
      const [r] = await env.rows();
      assert.match(r!.results[0]!.error, /410.*disabled until reconfigured/);
      // Disabled: new events make no webhooks; a restart with the same settings keeps it so.
      const again = await env.configure({ incoming: { url: env.rx.url("/a") } });
      assert.ok(again.incoming?.disabledAt);
      await env.incoming();
      assert.equal((await env.rows()).length, 1);
      // Reconfigured: enabled again.
      env.rx.handle(answer(200));
      const changed = await env.configure({ incoming: { url: env.rx.url("/b") } });
      assert.equal(changed.incoming?.disabledAt, null);
      await env.incoming();
      await env.until(async () => (await env.rows())[1]?.status === "delivered", "delivery after reconfigure");
      assert.equal(env.rx.requests.length, 2);
    } finally {
      await env.stop();
    }
  });

  it("times out a hanging receiver while another URL keeps flowing, at most 4 POSTs in flight per URL (D3)", async () => {
    let open = 0;
    let maxOpen = 0;
    const hanging: http.ServerResponse[] = [];
    const fast = await startReceiver();
    const env = await hookEnv(base, {
      config: { timeoutMs: 500 },
      allow: [`127.0.0.1:${fast.port}`],
      handler: (_req, res) => {
        maxOpen = Math.max(maxOpen, ++open);
        hanging.push(res);
        res.on("close", () => open--);
      },
    });
    try {
      await env.configure({ incoming: { url: env.rx.url("/hang") }, outgoing: { url: fast.url("/fast") } });
      for (let i = 0; i < 8; i++) await env.incoming();
      for (let i = 0; i < 20; i++) await env.outgoing("delivered", 300 + i);
      await env.until(() => fast.requests.length === 20, "the fast URL's 20 webhooks", 5000);
      const incoming = async () => (await env.rows()).filter((r) => r.kind === "incoming");
      await env.until(async () => (await incoming()).every((r) => r.attempts === 1 && r.nextAttemptAt! > r.lastAttemptAt!), "8 timeouts");
      for (const r of await incoming()) {
        assert.equal(r.results[0]!.code, 0);
        assert.match(r.results[0]!.error, /timeout after 500 ms/);
      }
      assert.equal(maxOpen, 4);
      await env.until(() => open === 0, "sockets closed");
    } finally {
      for (const res of hanging) res.destroy();
      await env.stop();
      await fast.close();
    }
  });

  it("reads at most 1 KB of an endless response and closes the socket (D5)", async () => {
    const env = await hookEnv(base, {
      handler: (_req, res) => {
        res.writeHead(200, { "Content-Type": "text/plain" });
        const chunk = "x".repeat(4096);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once("drain", pump);
        };
        pump();
      },
    });
    try {
      await env.configure({ incoming: { url: env.rx.url() } });
      await env.incoming();
      await env.until(async () => (await env.rows())[0]!.status === "delivered", "delivered");
      const [r] = await env.rows();
      assert.equal(r!.results[0]!.response.length, 1024);
    } finally {
      await env.stop();
    }
  });

  it("keeps the result of a POST superseded while it ran, and holds the newer webhook until that POST ends", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const env = await hookEnv(base, { handler: (_req, res) => void held.then(() => res.end("late")) });
    try {
      await env.configure({ outgoing: { url: env.rx.url() } });
      await env.outgoing("delayed", 400);
      await env.until(() => env.rx.requests.length === 1, "the first POST");
      env.rx.handle((_req, res) => res.end("ok"));
      await env.outgoing("delivered", 400);
      const [first, second] = await env.rows();
      assert.equal(first!.status, "superseded");
      assert.equal(first!.supersededById, second!.id);
      assert.ok(first!.jobId, "still being POSTed");
      // The message's order is kept: the newer webhook waits for the older POST.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(env.rx.requests.length, 1);
      release();
      await env.until(async () => (await env.row(second!.id)).status === "delivered", "the newer webhook");
      assert.deepEqual(env.rx.requests.map((r) => JSON.parse(r.body.toString()).Event), ["delayed", "delivered"]);
      const late = await env.row(first!.id);
      assert.equal(late.status, "superseded");
      assert.equal(late.jobId, null);
      assert.deepEqual([late.results[0]!.success, late.results[0]!.error, late.results[0]!.response], [true, "(superseded)", "late"]);
      // A third event while nothing is in flight goes at once.
      await env.outgoing("failed", 400);
      await env.until(() => env.rx.requests.length === 3, "the third webhook");
    } finally {
      await env.stop();
    }
  });

  it("lets the newer webhook go once the lock of a superseded POST cut by a crash expires", async () => {
    const env = await hookEnv(base, { start: false, config: { lockTimeoutMs: 1000 } });
    try {
      await env.configure({ outgoing: { url: env.rx.url() } });
      await env.outgoing("delayed", 500);
      // A worker that then died claimed the first webhook's job.
      const [claimed] = await claimJobs(base.database.db, { kinds: ["webhook"], workerId: "crashed", limit: 1, now: new Date(env.clock.now()) });
      assert.equal(claimed?.id, (await env.rows())[0]!.jobId);
      await env.outgoing("delivered", 500);
      await env.webhooks.start();
      env.clock.advance(999);
      env.webhooks.wake();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(env.rx.requests.length, 0, "held behind the POST that may still run");
      env.clock.advance(2);
      env.webhooks.wake();
      await env.until(async () => (await env.rows())[1]!.status === "delivered", "the newer webhook");
      const [first] = await env.rows();
      assert.deepEqual([first!.status, first!.jobId], ["superseded", null]);
      assert.deepEqual(env.rx.requests.map((r) => JSON.parse(r.body.toString()).Event), ["delivered"]);
    } finally {
      await env.stop();
    }
  });

  it("stops within one POST timeout: jobs waiting for a slot are given back unattempted", async () => {
    const hanging: http.ServerResponse[] = [];
    const env = await hookEnv(base, { start: false, config: { timeoutMs: 1500 }, handler: (_req, res) => void hanging.push(res) });
    try {
      await env.configure({ incoming: { url: env.rx.url() } });
      for (let i = 0; i < 12; i++) await env.incoming();
      // One claim takes all twelve: four POST, eight wait for a slot.
      await env.webhooks.start();
      await env.until(() => env.rx.requests.length === 4, "4 POSTs in flight");
      assert.deepEqual(env.webhooks.stats(), { held: 12, posting: 4 });
      const t0 = performance.now();
      await env.webhooks.stop();
      assert.ok(performance.now() - t0 < 3000, `stopped in ${Math.round(performance.now() - t0)} ms`);
      const rows = await env.rows();
      assert.equal(rows.filter((r) => r.attempts === 1).length, 4);
      // Their attempts were counted before they waited for a slot, and taken back.
      const unattempted = rows.filter((r) => r.attempts === 0);
      assert.equal(unattempted.length, 8);
      assert.ok(unattempted.every((r) => r.results.length === 0 && r.lastAttemptAt === null), "no trace of the attempt left");
      const jobs = await base.database.db.select().from(schema.jobs);
      assert.ok(jobs.filter((j) => rows.some((r) => r.jobId === j.id)).every((j) => j.lockedBy === null), "no job left locked");
    } finally {
      for (const res of hanging) res.destroy();
      await env.stop();
    }
  });
});
