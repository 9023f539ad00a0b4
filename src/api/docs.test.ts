// docs/api.md: every curl example runs, in document order, against the webapi over real HTTP
// with the localserve account of the examples; and every method has an example.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { hashPassword } from "../auth/index.js";
import { ensureAccount, ensureDomain } from "../store/index.js";
import { createPushMethods, type PushMethods } from "../websocket/index.js";
import { apiMethods } from "./app.js";
import { pushRoutes, type PushMethodsApi } from "./routes/push.js";
import { listen, startApiEnv, type ApiEnv } from "./test-env.js";

const docPath = new URL("../../docs/api.md", import.meta.url);

/** The curl commands of docs/api.md: `sh` blocks, continuation lines joined. */
function curlExamples(markdown: string): string[] {
  const out: string[] = [];
  for (const m of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const joined = m[1]!.replace(/\\\n\s*/g, "");
    out.push(...joined.split("\n").filter((l) => l.startsWith("curl ")));
  }
  return out;
}

describe("docs/api.md curl examples", () => {
  let env: ApiEnv;
  let server: Awaited<ReturnType<typeof listen>>;
  let dir: string;
  let mox: number;
  before(async () => {
    // The push methods, as app/ wires them; built on the env's database once it exists.
    let push: PushMethods | null = null;
    const lazy: PushMethodsApi = {
      register: (...a) => push!.register(...a),
      push: (...a) => push!.push(...a),
      pushGlobal: (...a) => push!.pushGlobal(...a),
      cancel: (...a) => push!.cancel(...a),
      list: (...a) => push!.list(...a),
      listGlobal: (...a) => push!.listGlobal(...a),
    };
    env = await startApiEnv({ methods: pushRoutes(lazy, { publicUrl: () => server?.url }) });
    push = createPushMethods({ database: env.t.database, eventLog: env.deps.eventLog, clock: env.deps.clock });
    const hash = await hashPassword("moxmoxmox");
    mox = await env.t.database.db.transaction(async (tx) => {
      await ensureDomain(tx, { name: "localhost" });
      return (await ensureAccount(tx, { name: "mox", fullName: "Mox", passwordHash: hash, addresses: ["mox@localhost"], settings: { categories: ["*"] } })).id;
    });
    server = await listen(env.app);
    dir = mkdtempSync(join(tmpdir(), "postwire-docs-"));
    writeFileSync(join(dir, "logo.png"), Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"));
    writeFileSync(join(dir, "report.pdf"), "%PDF-1.4\n%%EOF\n");
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
    await env.close();
  });

  it("has a curl example for every method", () => {
    const examples = curlExamples(readFileSync(docPath, "utf8")).join("\n");
    for (const m of apiMethods(env.deps).list()) assert.match(examples, new RegExp(`/webapi/v0/${m.name} `), m.name);
  });

  it("runs every example as printed", async () => {
    const examples = curlExamples(readFileSync(docPath, "utf8"));
    assert.ok(examples.length >= 15, `${examples.length} examples`);
    let sends = 0;
    for (const cmd of examples) {
      const line = cmd.replaceAll("http://localhost:1080", server.url);
      let out: string;
      try {
        out = await run(line, dir);
      } catch (err) {
        assert.fail(`${cmd}\n${(err as { stdout?: string }).stdout ?? err}`);
      }
      if (/\/(Send|Message(Get|List|Wait)|Suppression(List|Present))\s/.test(cmd)) JSON.parse(out);
      if (/\/Send\s/.test(cmd) && sends++ === 0) {
        // localserve delivers the first message back to mox@localhost: the received copy (id 2).
        const raw = Buffer.from(["From: Mox <mox@localhost>", "To: Mox <mox@localhost>", "Subject: hello", "Message-ID: <doc@localhost>", "", "hi ☺", ""].join("\r\n"));
        const id = await env.seed(mox, raw, { rcptTo: "mox@localhost", mailFrom: "mox@localhost" });
        assert.equal(id, 2, "the Sent copy is message 1, the received copy message 2");
      }
      if (/\/MessageWait\s/.test(cmd)) assert.equal(JSON.parse(out).Message.MsgID, 2);
      if (/\/PushRecipientRegister\s/.test(cmd)) assert.match(JSON.parse(out).ConnectionURI, /^ws:\/\/127\.0\.0\.1:\d+\/webapi\/v0\/events\?token=pwev_/);
      if (/\/PushMessageList\s/.test(cmd)) assert.equal(JSON.parse(out).Messages[0].Message.order, 1001);
      if (/\/PushMessageCancel\s/.test(cmd)) assert.equal(JSON.parse(out).State, "CANCELLED");
    }
  });
});

// curl runs in a child process; the server lives in this one, so it must not block the loop.
function run(cmd: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("bash", ["-c", cmd], { cwd, encoding: "utf8", timeout: 60_000 }, (err, stdout) => (err ? reject(Object.assign(err, { stdout })) : resolve(stdout)));
  });
}
