import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeParserPool, createParserPool, parseMessage } from "./parser-pool.js";
import type { ParseResult } from "./types.js";

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join("\r\n"), "utf8");

describe("parseMessage (shared pool, worker under tsx)", () => {
  after(closeParserPool);

  test("parses in a worker thread and can be closed and reopened", async () => {
    const r = await parseMessage(crlf(["From: A <a@b.test>", "Subject: hi", "", "body"]), { automatedHint: true });
    assert.ok(r.ok);
    assert.equal(r.Subject, "hi");
    assert.equal(r.Automated, true);
    await closeParserPool();
    const again = await parseMessage(crlf(["Subject: again", "", ""]));
    assert.equal(again.ok && again.Subject, "again");
  });

  test("a process that never closes the pool still exits", () => {
    const script = `import { parseMessage } from ${JSON.stringify(new URL("./parser-pool.ts", import.meta.url).href)};
      const r = await parseMessage(Buffer.from("Subject: x\\r\\n\\r\\n")); console.log(r.ok);`;
    const res = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
    assert.equal(res.signal, null, "child was killed by the timeout: the pool kept it alive");
    assert.equal(res.stdout.trim(), "true", res.stderr);
  });
});

describe("MIME bombs (docs/guarantees.md B1–B8) finish quickly, bounded or failed", () => {
  const pool = createParserPool({ timeoutMs: 5000 });
  after(() => pool.close());

  // Each case must answer within `budgetMs` (wall clock, worker startup excluded by a warm-up).
  async function bomb(raw: Buffer, budgetMs = 4000): Promise<ParseResult> {
    const t0 = performance.now();
    const r = await pool.parse(raw);
    const ms = performance.now() - t0;
    assert.ok(ms < budgetMs, `took ${Math.round(ms)} ms`);
    return r;
  }

  test("warm-up", async () => {
    assert.ok((await pool.parse(crlf(["Subject: warm", "", ""]))).ok);
  });

  test("B1: 3000 nested multiparts are cut at the depth cap and flagged", async () => {
    const open = Array.from({ length: 3000 }, (_, i) => `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`).join("");
    const close = Array.from({ length: 3000 }, (_, i) => `\r\n--b${2999 - i}--`).join("");
    const r = await bomb(Buffer.from(`Subject: deep\r\n${open}\r\nleaf${close}\r\n`));
    assert.ok(r.ok);
    assert.equal(r.Truncated, true);
    let depth = 0;
    for (let s = r.Structure; s.Parts.length > 0; s = s.Parts[0]!) depth++;
    assert.equal(depth, 100);
  });

  test("B1: 50 nested message/rfc822 stay a leaf", async () => {
    let msg = "Subject: inner\r\n\r\nleaf\r\n";
    for (let i = 0; i < 50; i++) msg = `Subject: level ${i}\r\nContent-Type: message/rfc822\r\n\r\n${msg}`;
    const r = await bomb(Buffer.from(msg));
    assert.ok(r.ok);
    assert.equal(r.Subject, "level 49");
    assert.deepEqual(r.Structure.Parts, []);
  });

  test("B2: 5000 sibling parts are cut at 1000 nodes and flagged", async () => {
    const parts = Array.from({ length: 5000 }, (_, i) => `--s\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join("");
    const r = await bomb(Buffer.from(`Content-Type: multipart/mixed; boundary=s\r\n\r\n${parts}--s--\r\n`));
    assert.ok(r.ok);
    assert.equal(r.Truncated, true);
    assert.equal(r.Structure.Parts.length, 999);
    assert.equal(r.Text, "part 0");
  });

  test("B3: a 2 MB subject fails with headerTooLarge", async () => {
    const r = await bomb(Buffer.from(`Subject: ${"A".repeat(2 << 20)}\r\n\r\nbody\r\n`));
    assert.equal(!r.ok && r.error.code, "headerTooLarge");
  });

  test("B3: 30k headers, 40k To addresses, 20k RFC 2231 continuations, 10k parameters", async () => {
    const many = Array.from({ length: 30_000 }, (_, i) => `X-H${i}: v`).join("\r\n");
    assert.ok((await bomb(Buffer.from(`${many}\r\n\r\nbody`))).ok);
    const to = Array.from({ length: 40_000 }, (_, i) => `u${i}@x.test`).join(", ");
    const rt = await bomb(Buffer.from(`To: ${to}\r\n\r\nbody`));
    assert.ok(rt.ok || rt.error.code === "headerTooLarge");
    if (rt.ok) assert.equal(rt.To.length, 40_000);
    const cont = Array.from({ length: 20_000 }, (_, i) => `filename*${i}*=a`).join(";\r\n ");
    const rc = await bomb(Buffer.from(`Content-Disposition: attachment; ${cont}\r\n\r\nx`));
    assert.ok(rc.ok);
    assert.ok(rc.Structure.Filename.length <= 100);
    const params = Array.from({ length: 10_000 }, (_, i) => `p${i}=v`).join("; ");
    const rp = await bomb(Buffer.from(`Content-Type: text/plain; ${params}\r\n\r\nx`));
    assert.ok(rp.ok);
    assert.ok(Object.keys(rp.Structure.ContentTypeParams).length <= 100);
  });

  test("B4: 400k nested <div> HTML is returned as is, never converted", async () => {
    const html = "<div>".repeat(400_000) + "x" + "</div>".repeat(400_000);
    const r = await bomb(Buffer.from(`Content-Type: text/html\r\n\r\n${html}`), 2000);
    assert.ok(r.ok);
    assert.equal(r.Text, "");
    assert.equal(Buffer.byteLength(r.HTML), 1 << 20); // 1 MiB cap
  });

  test("B6: garbage base64, 2M QP soft breaks and 100k encoded words", async () => {
    const garbage = Buffer.alloc(3 << 20, "!@#$%^&*()");
    const rb = await bomb(Buffer.concat([crlf(["Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64", "", ""]), garbage]));
    assert.ok(rb.ok);
    assert.equal(rb.Structure.DecodedSize, 0);
    const qp = "a=\r\n".repeat(2_000_000);
    const rq = await bomb(Buffer.from(`Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qp}`));
    assert.ok(rq.ok);
    assert.equal(rq.Structure.DecodedSize, 2_000_000);
    const words = Array.from({ length: 100_000 }, () => "=?utf-8?q?a?=").join(" ");
    const rw = await bomb(Buffer.from(`Subject: ${words}\r\n\r\nx`));
    assert.ok(rw.ok || rw.error.code === "headerTooLarge");
  });

  test("B8: no closing boundary, boundary-equal body lines, 200k near misses", async () => {
    const near = "--bX\r\n".repeat(200_000);
    const r = await bomb(Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n${near}--b\r\n\r\nlast`));
    assert.ok(r.ok);
    assert.equal(r.Structure.Parts.length, 2);
  });
  test("a parse that overruns its time is cut off, and the replacement worker parses the next", async () => {
    const big = Buffer.from(`Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${"a=\r\n".repeat(3_000_000)}`);
    const r = await pool.parse(big, { timeoutMs: 5 });
    assert.equal(!r.ok && r.error.code, "timeout");
    const next = await pool.parse(crlf(["Subject: after", "", ""]));
    assert.equal(next.ok && next.Subject, "after");
  });
});

describe("pool failure handling", () => {
  const fake = (name: string): URL => new URL(`./testdata/${name}`, import.meta.url);

  test("a parse over its time limit fails with timeout; the worker is replaced", async () => {
    const pool = createParserPool({ workerUrl: fake("worker-silent.js") });
    try {
      const r = await pool.parse(Buffer.from("x"), { timeoutMs: 200 });
      assert.equal(!r.ok && r.error.code, "timeout");
      const r2 = await pool.parse(Buffer.from("x"), { timeoutMs: 200 });
      assert.equal(!r2.ok && r2.error.code, "timeout");
    } finally {
      await pool.close();
    }
  });

  test("a crashing worker fails only its job", async () => {
    const pool = createParserPool({ workerUrl: fake("worker-crash.js") });
    try {
      const [a, b] = await Promise.all([pool.parse(Buffer.from("1")), pool.parse(Buffer.from("2"))]);
      assert.equal(!a.ok && a.error.code, "crashed");
      assert.equal(!b.ok && b.error.code, "crashed");
    } finally {
      await pool.close();
    }
  });

  test("a worker over its heap cap fails with outOfMemory", async () => {
    const pool = createParserPool({ workerUrl: fake("worker-hog.js"), maxHeapMb: 16, timeoutMs: 20_000 });
    try {
      const r = await pool.parse(Buffer.from("x"));
      assert.equal(!r.ok && r.error.code, "outOfMemory");
    } finally {
      await pool.close();
    }
  });

  test("overload and close are answered, not thrown", async () => {
    const pool = createParserPool({ workerUrl: fake("worker-silent.js"), maxQueue: 2, timeoutMs: 10_000 });
    // Both wait for the worker to start (readiness arrives asynchronously), filling the queue.
    const first = pool.parse(Buffer.from("1"));
    const second = pool.parse(Buffer.from("2"));
    const third = await pool.parse(Buffer.from("3"));
    assert.equal(!third.ok && third.error.code, "overloaded");
    await pool.close();
    for (const r of await Promise.all([first, second])) assert.equal(!r.ok && r.error.code, "closed");
    const late = await pool.parse(Buffer.from("4"));
    assert.equal(!late.ok && late.error.code, "closed");
  });
});
