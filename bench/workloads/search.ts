// Workload: MessageSearch over 100,000 stored messages of one account, through src/store's
// searchMessages (the code the webapi method and the search box run), on a throwaway database.
// The measuring part runs in a child process (this file with --child) so the harness never
// loads src/ and can kill it.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createThrowawayDb, pgInfo } from "../lib/pg.js";
import { release, track } from "../lib/proc.js";
import { latency, num, type LatencySummary } from "../lib/stats.js";
import { reason, type Backend, type BenchContext, type Section, type Target, type Workload } from "../lib/types.js";

const KINDS = ["unique word", "two words", "word + is:unread", "has:attachment + word", "from:", "frequent word"] as const;
type Kind = (typeof KINDS)[number];
interface ChildResult { messages: number; seedSeconds: number; indexSeconds: number; byKind: Record<Kind, LatencySummary>; all: LatencySummary }

/** Child: seeds the messages, indexes them with the first search, then times the query mix. */
async function child(backend: Backend, target: string, n: number, rounds: number): Promise<void> {
  const db = (await import("../../src/db/index.js")) as typeof import("../../src/db/index.js");
  const store = (await import("../../src/store/index.js")) as typeof import("../../src/store/index.js");
  const database = await db.openDatabase(backend === "pg" ? { url: target, dataDir: target } : { dataDir: target });
  const { sql } = database;
  try {
    const accountId = await database.db.transaction(async (tx) => {
      await store.ensureDomain(tx, { name: "bench.example" });
      return (await store.ensureAccount(tx, { name: "bench", addresses: ["bench@bench.example"] })).id;
    });
    const inbox = (await store.findMailbox(database.db, accountId, { role: "inbox" }))!.id;
    const t0 = performance.now();
    // Messages shaped like parsed mail: a subject with a unique number, a sender out of 200, a
    // 60-word text (and the same as HTML) out of a 5,000-word vocabulary, every 10th with an
    // attachment, every 3rd read. INSERT ... SELECT: seeding through SMTP would take an hour here.
    await sql`create temporary table vocab as select i, substr(md5(i::text), 1, 7) as w from generate_series(0, 4999) i`;
    for (let from = 1; from <= n; from += 10_000) {
      const to = Math.min(n, from + 9_999);
      await sql`
        insert into messages (account_id, mailbox_id, size, raw, envelope, msg_from, subject, message_id_header, parsed, flags)
        select ${accountId}, ${inbox}, 2000, convert_to('Subject: bench', 'UTF8'),
          jsonb_build_object('mailFrom', 'sender' || (g % 200) || '@shop.example', 'rcptTo', 'bench@bench.example', 'remoteIp', '127.0.0.1',
            'helo', 'x', 'tls', false, 'authUser', null, 'listener', 'mx'),
          'sender' || (g % 200) || '@shop.example', 'Order ' || g || ' ' || (select w from vocab where i = g % 5000),
          '<m' || g || '@shop.example>',
          jsonb_build_object('From', jsonb_build_array(jsonb_build_object('Name', 'Shop ' || (g % 200), 'Address', 'sender' || (g % 200) || '@shop.example')),
            'To', jsonb_build_array(jsonb_build_object('Name', '', 'Address', 'bench@bench.example')),
            'Text', t.text, 'HTML', '<p>' || t.text || '</p>',
            'Structure', jsonb_build_object('ContentType', 'multipart/mixed', 'Filename', '',
              'Parts', case when g % 10 = 0 then jsonb_build_array(jsonb_build_object('Filename', 'invoice-' || g || '.pdf', 'Parts', '[]'::jsonb)) else '[]'::jsonb end)),
          case when g % 3 = 0 then array['\\seen'] else array[]::text[] end
        from generate_series(${from}::int, ${to}::int) g,
          lateral (select string_agg(v.w, ' ') as text from generate_series(1, 60) k join vocab v on v.i = (g * 31 + k * 7919) % 5000) t`;
    }
    const seedSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await store.indexPendingMessages(database.db, accountId);
    await sql`analyze messages`;
    await sql`analyze message_search`;
    const indexSeconds = (performance.now() - t1) / 1000;
    const vocab = (await sql`select w from vocab order by i`).map((r) => String(r.w));
    const pick = (i: number) => vocab[(i * 7907) % vocab.length]!;
    const queries: Record<Kind, (i: number) => string> = {
      "unique word": (i) => String(1 + ((i * 7919) % n)),
      "two words": (i) => `${pick(i)} ${pick(i + 1)}`,
      "word + is:unread": (i) => `${pick(i)} is:unread`,
      "has:attachment + word": (i) => `has:attachment ${pick(i)}`,
      "from:": (i) => `from:sender${i % 200}@shop.example`,
      "frequent word": () => "order",
    };
    const samples = Object.fromEntries(KINDS.map((k) => [k, [] as number[]])) as Record<Kind, number[]>;
    for (let r = 0; r < rounds; r++) {
      for (const k of KINDS) {
        const s = performance.now();
        await store.searchMessages(database.db, { accountId, mailboxId: inbox, limit: 51, query: store.parseSearch(queries[k](r)) });
        samples[k].push(performance.now() - s);
      }
    }
    const all = KINDS.flatMap((k) => samples[k]);
    const out: ChildResult = {
      messages: n, seedSeconds, indexSeconds,
      byKind: Object.fromEntries(KINDS.map((k) => [k, latency(samples[k], rounds)])) as Record<Kind, LatencySummary>,
      all: latency(all, all.length),
    };
    process.stdout.write(JSON.stringify(out) + "\n");
  } finally {
    await database.close();
  }
}

function runChild(ctx: BenchContext, backend: Backend, n: number, rounds: number): Promise<ChildResult> {
  const pg = backend === "pg" ? createThrowawayDb("search") : null;
  const target = pg ? pg.url : mkdtempSync(join(ctx.tmp, "search-"));
  const file = fileURLToPath(import.meta.url);
  const p = spawn(process.execPath, ["--import", "tsx", file, "--child", backend, target, String(n), String(rounds)],
    { cwd: ctx.root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const kill = () => { try { process.kill(-(p.pid ?? 0), "SIGKILL"); } catch { /* gone */ } };
  const res = track({ name: "search child", kill, stop: async () => kill() });
  let out = "", err = "";
  p.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  p.stderr!.on("data", (b: Buffer) => { err = (err + b.toString()).slice(-2000); });
  return new Promise((resolve, reject) => {
    p.on("exit", (code) => {
      void release(res);
      pg?.drop();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code === 0 && line) resolve(JSON.parse(line) as ChildResult);
      else reject(new Error(`search child exited ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`));
    });
  });
}

async function run(ctx: BenchContext): Promise<Section> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const data: Record<string, unknown> = {};
  const n = ctx.quick ? 20_000 : 100_000;
  const rounds = ctx.quick ? 20 : 50;
  for (const backend of ctx.backends) {
    let why: string | undefined;
    if (backend === "pg" && !pgInfo().ok) why = (pgInfo() as { reason: string }).reason;
    let r: ChildResult | undefined;
    if (!why) {
      ctx.log(`search ${backend}: seeding ${n} messages, then ${rounds} rounds of ${KINDS.length} queries`);
      try { r = await runChild(ctx, backend, n, rounds); } catch (e) { why = reason(e); }
    }
    data[backend] = why ? { error: why } : r;
    if (!r) {
      rows.push([backend, "–", `not available: ${why}`, "", ""]);
      targets.push({ name: `search p95 over ${n.toLocaleString("en")} messages (${backend})`, target: "≤100 ms", measured: `not measured: ${why}`, met: null });
      continue;
    }
    for (const k of KINDS) rows.push([backend, k, `${num(r.byKind[k].p50)} / ${num(r.byKind[k].p95)} / ${num(r.byKind[k].max)}`, "", ""]);
    rows.push([backend, "all queries", `${num(r.all.p50)} / ${num(r.all.p95)} / ${num(r.all.max)}`, num(r.seedSeconds), num(r.indexSeconds)]);
    targets.push({
      name: `search p95 over ${n.toLocaleString("en")} messages, query mix (${backend})`, target: "≤100 ms",
      measured: `${num(r.all.p95)} ms (p50 ${num(r.all.p50)})`, met: r.all.p95 <= 100,
    });
  }
  return {
    id: "search", title: `Search over ${n.toLocaleString("en")} messages (ms)`,
    columns: ["backend", "query", "p50 / p95 / max", "seed s", "index s"],
    rows,
    notes: [
      "store.searchMessages (what MessageSearch and the search box run), newest 51 matches of one account's Inbox, timed one query at a time.",
      "Messages seeded with INSERT … SELECT: unique number in the subject, 200 senders, 60 words of a 5,000-word vocabulary as text and HTML, every 10th with an attachment, every 3rd read.",
      "index s: the first search writes every message's search document (what a first search after a large import costs), then ANALYZE.",
      `frequent word: "order", in every subject (every message matches: the worst case for ORDER BY id LIMIT).`,
      `Percentiles over ${rounds} queries per kind; "all queries" pools the kinds.`,
    ],
    targets, data,
  };
}

const workload: Workload = { id: "search", title: "MessageSearch over 100,000 messages", run };
export default workload;

if (process.argv[2] === "--child") {
  const [, , , backend, target, n, rounds] = process.argv;
  child(backend as Backend, target!, Number(n), Number(rounds)).then(
    () => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
}
