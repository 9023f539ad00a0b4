// postgres-js closed-socket guard (scripts/patch-postgres.mjs, applied at install) against a real
// PostgreSQL (PostgreSQL pass: TEST_DATABASE_URL). Each case runs in a child process, since
// without the guard the driver throws from a setImmediate and ends the process, and is run with
// both copies our code can load (import: src/, require: cjs/src/).
//  - A transaction's backend is terminated (pg_terminate_backend, as in a PostgreSQL restart)
//    while a statement runs: the driver writes the ROLLBACK after the close; unguarded, that
//    write's setImmediate calls null.write (porsager/postgres#1154, #1208).
//  - The socket closes while a small write waits for its setImmediate: unguarded, the stale
//    timer keeps every later write of that connection buffered, so it never reconnects.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const url = process.env.TEST_DATABASE_URL;
const root = fileURLToPath(new URL("../..", import.meta.url));

type Outcome = { code: number | null; out: string };

/** Runs a scenario in a child process, with postgres-js loaded through `loader`. */
function runChild(loader: "import" | "require", body: string): Promise<Outcome> {
  const load = loader === "import" ? `const { default: postgres } = await import("postgres");` : `const postgres = (await import("node:module")).createRequire(process.cwd() + "/")("postgres");`;
  const code = `
    const net = await import("node:net");
    ${load}
    const url = ${JSON.stringify(url)};
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const within = (p, ms, what) => Promise.race([p, sleep(ms).then(() => { throw new Error("stuck: " + what + " after " + ms + " ms"); })]);
    ${body}
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b));
    child.stderr.on("data", (b: Buffer) => (out += b));
    const kill = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (code) => {
      clearTimeout(kill);
      resolve({ code, out });
    });
  });
}

// The transaction's statement is running when its backend is terminated from a second connection.
const terminatedInTransaction = `
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [{ pid }] = await sql\`select pg_backend_pid() as pid\`;
    const tx = sql.begin(async (t) => { await t\`select pg_sleep(30)\`; return "committed"; }).then((x) => x, (e) => e.code ?? e.message);
    for (let i = 0; ; i++) {
      const [a] = await admin\`select state from pg_stat_activity where pid = \${pid}\`;
      if (a?.state === "active") break;
      if (i > 200) throw new Error("pg_sleep never started");
      await sleep(10);
    }
    await admin\`select pg_terminate_backend(\${pid})\`;
    const failed = await within(tx, 10_000, "the transaction");
    // The same (only) connection serves the next statements and transactions.
    const n = await within(sql\`select 41 + 1 as n\`, 5_000, "a query after the close");
    const m = await within(sql.begin((t) => t\`select 7 as m\`), 5_000, "a transaction after the close");
    console.log("RESULT " + JSON.stringify({ tx: failed, n: n[0].n, m: m[0].m }));
  } finally {
    await admin.end({ timeout: 1 });
    await sql.end({ timeout: 1 });
  }
`;

// The socket closes (here: destroyed) in the check phase right after a query's small write was
// buffered for the next setImmediate, so closed() runs before that immediate.
const closedWithWritePending = `
  const u = new URL(url);
  const sockets = [];
  const socket = () => new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port || 5432), u.hostname);
    s.once("connect", () => { sockets.push(s); resolve(s); });
    s.once("error", reject);
  });
  const sql = postgres(url, { max: 1, onnotice: () => {}, socket, connect_timeout: 30 });
  try {
    await sql\`select 1\`;
    let pending;
    await new Promise((done) => {
      setImmediate(() => { pending = sql\`select 2 as two\`.then(() => "answered", (e) => e.code ?? e.message); });
      setImmediate(() => { sockets.at(-1).destroy(); done(); });
    });
    const lost = await within(pending, 5_000, "the query on the closed socket");
    const n = await within(sql\`select 41 + 1 as n\`, 5_000, "a query after the close");
    console.log("RESULT " + JSON.stringify({ lost, n: n[0].n, sockets: sockets.length }));
  } finally {
    await sql.end({ timeout: 1 });
  }
`;

function result(o: Outcome): Record<string, unknown> {
  const line = o.out.split("\n").find((l) => l.startsWith("RESULT "));
  assert.ok(line && o.code === 0, `the child ended with ${o.code}:\n${o.out.slice(-2000)}`);
  return JSON.parse(line.slice(7)) as Record<string, unknown>;
}

describe("postgres-js closed-socket guard (patched at install)", { skip: url ? false : "PostgreSQL pass only (TEST_DATABASE_URL)" }, () => {
  for (const loader of ["import", "require"] as const) {
    it(`survives a backend terminated inside a transaction and reuses the connection (${loader})`, { timeout: 90_000 }, async () => {
      const r = result(await runChild(loader, terminatedInTransaction));
      assert.notEqual(r.tx, "committed");
      assert.equal(r.n, 42);
      assert.equal(r.m, 7);
    });

    it(`reconnects after the socket closed with a write pending (${loader})`, { timeout: 90_000 }, async () => {
      const r = result(await runChild(loader, closedWithWritePending));
      assert.equal(r.lost, "CONNECTION_CLOSED");
      assert.equal(r.n, 42);
      assert.equal(r.sockets, 2);
    });
  }
});

describe("the install patch (scripts/patch-postgres.mjs)", () => {
  const script = join(root, "scripts", "patch-postgres.mjs");
  const pkg = join(root, "node_modules", "postgres");
  const copies = ["src", "cjs/src", "cf/src"].map((d) => join(d, "connection.js"));
  const marks = (text: string) => text.split("postwire patch").length - 1;
  const run = (cwd: string) => spawnSync(process.execPath, [script], { cwd, encoding: "utf8" });

  it("was applied to every copy of the pinned version, and a second run changes nothing", () => {
    assert.equal(JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version, "3.4.9");
    const before = copies.map((f) => readFileSync(join(pkg, f), "utf8"));
    for (const [i, text] of before.entries()) {
      assert.equal(marks(text), 4, copies[i]);
      assert.match(text, /function nextWrite\(fn\) \{\n    if \(!socket\)/, copies[i]);
    }
    const r = run(root);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /already applied/);
    assert.deepEqual(copies.map((f) => readFileSync(join(pkg, f), "utf8")), before);
  });

  it("fails the install on another version or text it does not know", () => {
    const dir = mkdtempSync(join(tmpdir(), "postwire-patch-"));
    try {
      writeFileSync(join(dir, "package.json"), "{}");
      const copy = join(dir, "node_modules", "postgres");
      cpSync(pkg, copy, { recursive: true });
      const manifest = join(copy, "package.json");
      const original = readFileSync(manifest, "utf8");
      writeFileSync(manifest, original.replace('"version": "3.4.9"', '"version": "3.4.10"'));
      let r = run(dir);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /installed version 3\.4\.10, the patch is for 3\.4\.9/);
      writeFileSync(manifest, original);
      // Unpatched text that differs from what the script replaces (here: no nextWrite at all).
      const cjs = join(copy, "cjs", "src", "connection.js");
      writeFileSync(cjs, readFileSync(cjs, "utf8").replaceAll("postwire patch", "").replace("function nextWrite(fn)", "function nextWrite2(fn)"));
      r = run(dir);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /cannot patch postgres-js: .*cjs\/src\/connection\.js: the text for "nextWrite without a socket" occurs 0 times/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
