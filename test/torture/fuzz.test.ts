// Fuzzing, long version (`npm run test:torture`): the properties of fuzz-mime and fuzz-wire with
// big budgets (MIME 20,000 messages; SMTP and webapi 5,000 each; TORTURE_FUZZ_RUNS scales all),
// plus every group B bomb through a running server: answered 250 (stored raw, parsed or flagged)
// or 552, and the webapi answers MessageGet/MessageRawGet/MessagePartGet for it, never "server".
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { closeParserPool } from "../../src/message/index.js";
import { RawSmtp } from "../helpers/smtp-client.js";
import { login } from "./harness/drivers.js";
import { checkParse } from "./harness/mime-check.js";
import { bombs, mimeMessage } from "./harness/mime-gen.js";
import { startTortureServer, type TortureServer } from "./harness/server.js";
import { runSmtpCase, smtpCase, type SmtpCase } from "./harness/smtp-fuzz.js";
import { runWebapiCase, webapiCase, type WebapiCase } from "./harness/webapi-fuzz.js";

const scale = Number(process.env.TORTURE_FUZZ_RUNS ?? 0);
const mimeRuns = scale || 20_000;
const wireRuns = scale || 5_000;
const seed = Number(process.env.TORTURE_SEED ?? Date.now() % 1_000_000);
const auth = `Basic ${Buffer.from(`${login.user}:${login.password}`).toString("base64")}`;

async function call(port: number, method: string, request: unknown): Promise<{ status: number; text: string; bytes: number }> {
  const r = await fetch(`http://127.0.0.1:${port}/webapi/v0/${method}`, { method: "POST", headers: { Authorization: auth }, body: new URLSearchParams({ request: JSON.stringify(request) }) });
  const b = Buffer.from(await r.arrayBuffer());
  return { status: r.status, text: b.toString("utf8", 0, Math.min(b.length, 300)), bytes: b.length };
}

describe(`fuzzing, long (seed ${seed})`, () => {
  let server: TortureServer;
  before(async () => (server = await startTortureServer()));
  after(async () => {
    await server?.cleanup();
    await closeParserPool();
  });

  it(`MIME: ${mimeRuns} generated messages`, { timeout: 3 * 3600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(mimeMessage, async (raw) => {
        const v = await checkParse(raw, 6000);
        assert.deepEqual(v.problems, [], `input ${JSON.stringify(raw.toString("latin1").slice(0, 2000))}`);
      }),
      { numRuns: mimeRuns, seed },
    );
  });

  it("group B bombs through the MX: stored or refused, and readable through the webapi", { timeout: 1800_000 }, async (t) => {
    for (const [name, make] of Object.entries(bombs)) {
      const raw = make().toString("latin1").replace(/\r?\n/g, "\r\n");
      const c = await RawSmtp.open(server.ports.smtp);
      await c.reply();
      await c.cmd("EHLO bombs.example");
      await c.cmd("MAIL FROM:<bombs@client.example>");
      await c.cmd("RCPT TO:<bombs@example.com>");
      assert.match(await c.cmd("DATA"), /^354/);
      const t0 = Date.now();
      c.write(raw.replace(/^\./gm, "..") + (raw.endsWith("\r\n") ? "" : "\r\n") + ".\r\n");
      const reply = await c.reply(120_000);
      c.close();
      t.diagnostic(`${name}: ${reply.slice(0, 60)} in ${Date.now() - t0} ms`);
      assert.match(reply, /^(250|552) /, `${name}: stored or refused as too big`);
      const q = /queued as (\d+)/.exec(reply);
      if (!q) continue;
      const id = Number(q[1]);
      for (const [method, req] of [["MessageGet", { MsgID: id }], ["MessageRawGet", { MsgID: id }], ["MessagePartGet", { MsgID: id, PartPath: [0] }]] as const) {
        const a = await call(server.ports.http, method, req);
        assert.ok(a.status === 200 || (a.status === 400 && !a.text.includes('"server"')), `${name}: ${method} answered ${a.status} ${a.text}`);
      }
    }
    assert.ok(server.running());
  });

  it(`SMTP: ${wireRuns} fuzzed sessions`, { timeout: 3 * 3600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(smtpCase, async (c) => {
        const v = await runSmtpCase(server.ports, c as SmtpCase);
        assert.deepEqual(v.problems, [], `case ${JSON.stringify(c)}\nreplies ${JSON.stringify(v.replies)}`);
      }),
      { numRuns: wireRuns, seed },
    );
    assert.ok(server.running());
  });

  it(`webapi: ${wireRuns} fuzzed requests`, { timeout: 3 * 3600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(webapiCase, async (c) => {
        const v = await runWebapiCase(server.ports.http, c as WebapiCase);
        assert.deepEqual(v.problems, [], `case ${JSON.stringify(c).slice(0, 3000)}`);
      }),
      { numRuns: wireRuns, seed },
    );
    assert.ok(server.running());
    assert.deepEqual(server.proc.output().split("\n").filter((l) => /"level":(50|60)/.test(l)), []);
  });
});
