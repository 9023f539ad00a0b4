// Reads whose cost is bounded by what they return: MessageList and MessageWait never select raw
// message bytes or parsed bodies, however large the stored messages; EventList pages are bounded
// in bytes as well as in count (at least one event per page, so a poller always advances past
// a huge event), and a filtered scan loads no payload it drops. Checked on the SQL the server
// sends (postgres-js's debug hook on the real connection) and on the sizes returned.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventRoutes, type EventMethodsApi } from "../../src/api/routes/events.js";
import { startApiEnv, type ApiEnv } from "../../src/api/test-env.js";
import { createEventMethods, maxPageBytes } from "../../src/websocket/index.js";
import { settled } from "../helpers/db.js";
import { appendEvent } from "./realtime-harness.js";

const bodyBytes = 600 << 10;
const stored = 24;

/** A message of about `bodyBytes` whose text body repeats `fill`. */
function bigMessage(i: number, fill: string): string {
  const line = fill.repeat(Math.ceil(76 / fill.length)).slice(0, 76);
  const body = Array.from({ length: Math.ceil(bodyBytes / 78) }, () => line).join("\r\n");
  return [`From: sender${i}@example.org`, "To: mjl@mox.example", `Subject: big ${i}`, `Message-ID: <big${i}@example.org>`, "", body, ""].join("\r\n");
}

describe("bounded reads: summaries without bodies, event pages bounded in bytes", () => {
  let env: ApiEnv;
  const queries: string[] = [];
  before(async () => {
    let impl: EventMethodsApi | null = null;
    const lazy: EventMethodsApi = { createToken: (a, r) => impl!.createToken(a, r), listJson: (a, r) => impl!.listJson(a, r) };
    env = await startApiEnv({ methods: eventRoutes(lazy) });
    impl = createEventMethods({ database: env.t.database, eventLog: env.eventLog, clock: env.clock });
    for (let i = 0; i < stored; i++) await env.seed(env.mjl, bigMessage(i, i === stored - 1 ? "needle " : "hay "));
    // Every statement the server sends from here on, as postgres-js builds it.
    (env.t.database.sql.options as { debug?: unknown }).debug = (_conn: number, text: string) => queries.push(text);
  });
  after(async () => env.close());
  const post = (method: string, req: unknown) => env.post(method, req, { user: "mjl@mox.example" });

  /** The statements since `from` that read the messages table, with their select lists. */
  function messageReads(from: number): { text: string; columns: string }[] {
    return queries
      .slice(from)
      .filter((q) => /^select/i.test(q) && q.includes('from "messages"'))
      .map((text) => ({ text, columns: text.slice(0, text.indexOf(' from "messages"')) }));
  }

  function assertNoBodies(from: number): void {
    const reads = messageReads(from);
    assert.ok(reads.length > 0, "the listing read the messages table");
    for (const r of reads) {
      assert.doesNotMatch(r.text, /"raw"/, r.text);
      // Of the parsed form only From and To are selected, as JSON paths the database extracts.
      assert.doesNotMatch(r.columns, /"parsed"(?!->'(From|To)')/, r.columns);
    }
  }

  it("MessageList of large messages selects no raw bytes and no bodies; the answer is small", async () => {
    const from = queries.length;
    const r = await post("MessageList", { Limit: 1000 });
    assert.equal(r.status, 200, r.text.slice(0, 200));
    assert.equal(r.json.Messages.length, stored);
    assert.ok(r.json.Messages.every((m: { Size: number }) => m.Size > bodyBytes));
    assertNoBodies(from);
    assert.ok(r.text.length < stored * 1024, `answer of ${r.text.length} bytes`);
    // The text filter runs in the database and still returns no body.
    const f = queries.length;
    const t = await post("MessageList", { Text: "needle" });
    assert.deepEqual(t.json.Messages.map((m: { Subject: string }) => m.Subject), [`big ${stored - 1}`]);
    assertNoBodies(f);
  });

  it("MessageWait over large messages selects no raw bytes, bodies or event payloads", async () => {
    // The event log shows an event once every older transaction on the server ended.
    await settled(env.t.database);
    const from = queries.length;
    const r = await post("MessageWait", { Text: "needle", Timeout: 1 });
    assert.equal(r.status, 200, r.text.slice(0, 200));
    assert.equal(r.json.Message.Subject, `big ${stored - 1}`);
    assertNoBodies(from);
    const eventReads = queries.slice(from).filter((q) => q.includes('from "events"'));
    assert.ok(eventReads.length > 0);
    for (const q of eventReads) assert.doesNotMatch(q.replace(/octet_length\((?:"events"\.)?"payload"\)/g, ""), /"payload"/, q);
  });

  it("EventList pages are bounded in bytes, hold at least one event, and walk past huge events", async () => {
    const big = (n: number, mb: number) => JSON.stringify({ N: n, Fill: "x".repeat(mb << 20) });
    const sizes = [1, 1, 6, 1, 1, 1, 1];
    const start = await post("EventList", { Kinds: ["delivered"] });
    let cursor: string = start.json.Cursor;
    for (const [i, mb] of sizes.entries()) await appendEvent(env.eventLog, env.t.database, env.mjl, "mjl@mox.example", big(i, mb), "delivered");
    await settled(env.t.database);
    const seen: number[] = [];
    for (let calls = 0; calls < 20 && seen.length < sizes.length; calls++) {
      const r = await post("EventList", { Cursor: cursor, Kinds: ["delivered"] });
      assert.equal(r.status, 200, r.text.slice(0, 200));
      assert.ok(r.json.Events.length >= 1, "at least one event per page");
      const payloadBytes = r.json.Events.reduce((n: number, e: { Payload: unknown }) => n + JSON.stringify(e.Payload).length, 0);
      if (r.json.Events.length > 1) assert.ok(payloadBytes <= maxPageBytes, `page of ${payloadBytes} bytes`);
      seen.push(...r.json.Events.map((e: { Payload: { N: number } }) => e.Payload.N));
      cursor = r.json.Cursor;
    }
    assert.deepEqual(seen, sizes.map((_, i) => i));
  });

  it("a filtered EventList scan loads only the payloads it returns", async () => {
    await appendEvent(env.eventLog, env.t.database, env.mjl, "mjl+kept@mox.example", JSON.stringify({ Kept: true }), "failed");
    await settled(env.t.database);
    const from = queries.length;
    const r = await post("EventList", { Kinds: ["failed"] });
    assert.equal(r.status, 200, r.text.slice(0, 200));
    assert.deepEqual(r.json.Events.map((e: { Payload: unknown }) => e.Payload), [{ Kept: true }]);
    const withPayload = queries.slice(from).filter((q) => q.includes('from "events"') && /"payload"/.test(q.replace(/octet_length\((?:"events"\.)?"payload"\)/g, "")));
    // One statement fetches payloads, by the ids kept: the scan itself reads none.
    assert.equal(withPayload.length, 1, withPayload.join("\n"));
    assert.match(withPayload[0]!, /"events"\."id" in \(\$\d+\)/);
    assert.ok(r.text.length < 4096, `answer of ${r.text.length} bytes`);
  });
});
