// Start-up waits for PostgreSQL: openDatabase through a TCP proxy that refuses connections at
// first and forwards them to the real server a moment later succeeds, having logged the refused
// tries; a database that does not exist fails at once, without retrying. PostgreSQL pass only.
import assert from "node:assert/strict";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { pino } from "pino";
import { createTestDatabaseUrl, onPostgres } from "../../test/helpers/db.js";
import { isTransientDbError } from "./retry.js";
import { openDatabase } from "./open.js";

function capture() {
  const lines: string[] = [];
  return { lines, log: pino({ level: "warn" }, { write: (s: string) => void lines.push(s) }) };
}

/** Forwards loopback connections on a fixed port to `target` once started. */
function proxy(port: number, target: { host: string; port: number }): Promise<Server> {
  const sockets: Socket[] = [];
  const server = createServer((c) => {
    const up = createConnection(target);
    sockets.push(c, up);
    c.pipe(up).pipe(c);
    c.on("error", () => up.destroy());
    up.on("error", () => c.destroy());
  });
  server.on("close", () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

describe("database start-up retries", { skip: onPostgres ? false : "PostgreSQL pass only" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "postwire-retry-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("waits for a server that refuses connections at first", async () => {
    const pg = (await createTestDatabaseUrl())!;
    const real = new URL(pg.url);
    // A free port, closed again: connections to it are refused until the proxy listens there.
    const port = await new Promise<number>((r) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });
    const via = new URL(pg.url);
    via.hostname = "127.0.0.1";
    via.port = String(port);
    const { lines, log } = capture();
    let server: Server | null = null;
    const opening = openDatabase({ url: via.toString(), dataDir: dir, log, poolSize: 2 });
    // Up once a refused try has been logged.
    while (!lines.some((l) => l.includes("connecting to the database failed, retrying"))) await new Promise((r) => setTimeout(r, 20));
    server = await proxy(port, { host: real.hostname, port: Number(real.port || 5432) });
    const database = await opening;
    try {
      const [row] = (await database.sql`select 1 as one`) as unknown as { one: number }[];
      assert.equal(row!.one, 1);
    } finally {
      await database.close();
      server.close();
      await pg.drop();
    }
  });

  it("does not retry what a retry cannot fix (a missing database)", async () => {
    const u = new URL(process.env.TEST_DATABASE_URL!);
    u.pathname = "/pw_does_not_exist_here";
    const { lines, log } = capture();
    await assert.rejects(openDatabase({ url: u.toString(), dataDir: dir, log }), (err: unknown) => !isTransientDbError(err));
    assert.deepEqual(lines, [], "no retry was logged");
  });
});
