// Two `postwire serve` processes on one PostgreSQL (PostgreSQL only): a recipient connected to
// B receives pushes made through A; with connections on both, each push goes to both sockets and
// is DELIVERED once (its DeliveredAt never changes); a global push is recorded once per
// recipient; a push made through A while the recipient was away reaches it on B.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { testPassword } from "../helpers/app.js";
import { createTestDatabaseUrl, onPostgres } from "../helpers/db.js";
import { freePort } from "../helpers/proc.js";
import { eventually, ok as okAs, open, type PushClient } from "./push-harness.js";

const mainTs = new URL("../../src/main.ts", import.meta.url).pathname;
const password = testPassword;
const origin = "http://app.example";

describe("push: two serve processes on PostgreSQL", { skip: !onPostgres && "needs TEST_DATABASE_URL" }, () => {
  let pg: { url: string; drop(): Promise<void> };
  let dir: string;
  const procs: ChildProcess[] = [];
  const ports: number[] = [];
  const clients: PushClient[] = [];

  // Starts one process with its own data dir and HTTP port; SMTP listeners off.
  async function serve(name: string): Promise<number> {
    const port = await freePort();
    const cfg = join(dir, `${name}.yaml`);
    writeFileSync(
      cfg,
      [
        "hostname: mx.scale.test",
        `dataDir: ${join(dir, name)}`,
        "log: { level: info }",
        `database: { url: "${pg.url}", poolSize: 5 }`,
        "smtp: { mx: { enabled: false }, submission: { enabled: false }, submissions: { enabled: false } }",
        `http: { enabled: true, host: 127.0.0.1, port: ${port} }`,
        "domains: [{ name: scale.test }]",
        `accounts: [{ name: app, passwordFile: ${join(dir, "pw")}, addresses: [app@scale.test] }]`,
      ].join("\n"),
    );
    const child = spawn(process.execPath, ["--import", "tsx", mainTs, "serve", "--config", cfg], { stdio: ["ignore", "pipe", "pipe"] });
    procs.push(child);
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${name} did not start:\n${out}`)), 240_000);
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("postwire serving")) (clearTimeout(t), resolve());
      });
      child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      child.once("exit", (code) => (clearTimeout(t), reject(new Error(`${name} exited ${code}:\n${out}`))));
    });
    child.removeAllListeners("exit");
    return port;
  }

  const ok = (port: number, method: string, req: unknown) => okAs(port, method, req, "app@scale.test");
  const on = (uri: string, port: number) => uri.replace(/:\d+\/webapi/, `:${port}/webapi`);
  async function connect(uri: string): Promise<PushClient> {
    const c = open(uri, origin);
    clients.push(c);
    await c.until((x) => x.frames.length >= 1, "Listening");
    return c;
  }

  before(async () => {
    pg = (await createTestDatabaseUrl())!;
    dir = mkdtempSync(join(tmpdir(), "postwire-push-scale-"));
    writeFileSync(join(dir, "pw"), password);
    ports.push(await serve("a")); // migrates first
    ports.push(await serve("b"));
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    for (const p of procs) p.kill("SIGTERM");
    await Promise.all(procs.map((p) => (p.exitCode !== null ? null : new Promise((r) => p.once("exit", r)))));
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a recipient on B receives a push made through A; one made while it was away reaches it on B", async () => {
    const [a, b] = ports as [number, number];
    const uri = (await ok(a, "PushRecipientRegister", { Recipient: "u-b", Origin: origin })).ConnectionURI as string;
    assert.match(uri, new RegExp(`^ws://127\\.0\\.0\\.1:${a}/`));
    const away = (await ok(a, "PushMessage", { Recipients: ["u-b"], Message: "while away" })).Pushes[0].PushID;
    const c = await connect(on(uri, b));
    await c.until((x) => x.pushes().length >= 1, "the pending push");
    const live = (await ok(a, "PushMessage", { Recipients: ["u-b"], Message: "live" })).Pushes[0].PushID;
    await c.until((x) => x.pushes().length >= 2, "the live push");
    assert.deepEqual(c.pushes().map((f) => f.Payload.PushID), [away, live]);
    await eventually(async () => (await ok(b, "PushMessageList", { Recipient: "u-b", State: "DELIVERED" })).Messages.length === 2, "DELIVERED");
  });

  it("with connections on both processes each push reaches both and is DELIVERED once", async () => {
    const [a, b] = ports as [number, number];
    const uri = (await ok(a, "PushRecipientRegister", { Recipient: "u-ab", Origin: origin })).ConnectionURI as string;
    const ca = await connect(on(uri, a));
    const cb = await connect(on(uri, b));
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push((await ok(i % 2 ? a : b, "PushMessage", { Recipients: ["u-ab"], Message: i })).Pushes[0].PushID);
    for (const c of [ca, cb]) await c.until((x) => x.pushes().length >= 20, "20 pushes");
    assert.deepEqual(ca.pushes().map((f) => f.Payload.PushID), ids);
    assert.deepEqual(cb.pushes().map((f) => f.Payload.PushID), ids);
    const first = await eventually(async () => {
      const l = (await ok(a, "PushMessageList", { Recipient: "u-ab", State: "DELIVERED", Limit: 100 })).Messages as { PushID: number; DeliveredAt: string }[];
      return l.length === 20 ? l : null;
    }, "20 DELIVERED");
    // Both processes wrote the frame; only one statement switched each push, so DeliveredAt is final.
    const again = (await ok(b, "PushMessageList", { Recipient: "u-ab", Limit: 100 })).Messages as { PushID: number; DeliveredAt: string }[];
    assert.deepEqual(again.map((m) => [m.PushID, m.DeliveredAt]), first.map((m) => [m.PushID, m.DeliveredAt]));

    const { GlobalID } = await ok(b, "PushGlobalMessage", { Message: "to all" });
    for (const c of [ca, cb]) await c.until((x) => x.pushes().some((f) => f.Payload.GlobalID === GlobalID), "global");
    const [g] = (await ok(a, "PushGlobalMessageList", { Recipient: "u-ab" })).Messages as { GlobalID: number; State: string }[];
    assert.equal(g!.State, "DELIVERED");
    // u-b (connected on B since the first test) and u-ab: one delivery row each.
    const all = await eventually(async () => {
      const [x] = (await ok(a, "PushGlobalMessageList", {})).Messages as { Deliveries: number }[];
      return x!.Deliveries === 2 ? x : null;
    }, "two deliveries");
    assert.equal(all.Deliveries, 2);
  });
});
