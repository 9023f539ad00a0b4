import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import type { WebhookConfigUpdate } from "./config.js";
import { readSecretFile } from "./secret-file.js";
import { generateSecret } from "./sign.js";
import { hookEnv, openHookBase, type HookBase } from "./test-env.js";

const update = (over: Partial<WebhookConfigUpdate>): WebhookConfigUpdate => ({
  incoming: { url: "" },
  outgoing: { url: "" },
  newSecret: "",
  generateSecret: false,
  dropOldSecrets: false,
  ...over,
});

describe("webhook settings", () => {
  let base: HookBase;
  before(async () => (base = await openHookBase()));
  after(async () => base.close());

  it("applies the config file per target and keeps what the webapi set for targets the file leaves out", async () => {
    const env = await hookEnv(base, { start: false });
    try {
      const first = await env.configure({ incoming: { url: "https://in.example/hook", authorization: "Bearer a" }, outgoing: { url: "https://out.example/" } });
      assert.deepEqual([first.incoming?.url, first.incoming?.authorization, first.incoming?.source], ["https://in.example/hook", "Bearer a", "config"]);
      assert.deepEqual([first.outgoing?.events, first.outgoing?.source], [[], "config"]);
      assert.equal(first.secrets.length, 1, "a secret is generated");
      // A restart whose file no longer has the incoming target: it was the file's, so it goes.
      const second = await env.configure({ outgoing: { url: "https://out.example/" } });
      assert.equal(second.incoming, null);
      assert.equal(second.outgoing?.url, "https://out.example/");
      assert.deepEqual(second.secrets, first.secrets, "secrets survive a restart");
      // Set through the webapi, then a restart whose file has nothing: the webapi's settings stay.
      await env.webhooks.methods.setConfig(env.accountId, update({ incoming: { url: "https://in.example/2" }, outgoing: { url: "https://out.example/x", events: ["failed"] } }));
      const third = await env.configure({});
      assert.deepEqual([third.incoming?.url, third.incoming?.source], ["https://in.example/2", "api"]);
      assert.deepEqual([third.outgoing?.url, third.outgoing?.events, third.outgoing?.source], ["https://out.example/x", ["failed"], "api"]);
      // The file wins again for a target it names.
      const fourth = await env.configure({ outgoing: { url: "https://out.example/file", events: ["queued"] } });
      assert.deepEqual([fourth.outgoing?.url, fourth.outgoing?.events, fourth.outgoing?.source], ["https://out.example/file", ["queued"], "config"]);
    } finally {
      await env.stop();
    }
  });

  it("signs with every secret, newest first, so a rotation keeps receivers verifying", async () => {
    const env = await hookEnv(base);
    const dir = mkdtempSync(join(tmpdir(), "pw-secrets-"));
    try {
      const [oldS, newS] = [generateSecret(), generateSecret()];
      writeFileSync(join(dir, "secrets"), `# newest first\n${newS}\n\n${oldS}\n`);
      assert.deepEqual(readSecretFile(join(dir, "secrets")), [newS, oldS]);
      writeFileSync(join(dir, "bad"), "whsec_short\n");
      assert.throws(() => readSecretFile(join(dir, "bad")), (e: Error) => e.message.includes("secret 1") && !e.message.includes("whsec_short"));
      await env.configure({ incoming: { url: env.rx.url() }, secrets: [newS, oldS] });
      await env.incoming();
      await env.until(() => env.rx.requests.length === 1, "the POST");
      const req = env.rx.requests[0]!;
      assert.equal(String(req.headers["webhook-signature"]).split(" ").length, 2);
      for (const s of [newS, oldS]) new Webhook(s).verify(req.body.toString(), req.headers as Record<string, string>);
      assert.throws(() => new Webhook(generateSecret()).verify(req.body.toString(), req.headers as Record<string, string>));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await env.stop();
    }
  });

  it("rotates secrets through the webapi: a new one signs with the previous, then the old one is dropped", async () => {
    const env = await hookEnv(base, { start: false });
    try {
      const m = env.webhooks.methods;
      const [s0] = (await m.setConfig(env.accountId, update({}))).secrets;
      assert.match(s0!, /^whsec_/);
      const given = generateSecret();
      assert.deepEqual((await m.setConfig(env.accountId, update({ newSecret: given }))).secrets, [given, s0]);
      const rotated = (await m.setConfig(env.accountId, update({ generateSecret: true }))).secrets;
      assert.equal(rotated.length, 2);
      assert.equal(rotated[1], given);
      assert.deepEqual((await m.setConfig(env.accountId, update({ dropOldSecrets: true }))).secrets, [rotated[0]]);
      await assert.rejects(m.setConfig(env.accountId, update({ newSecret: "whsec_c2hvcnQ=" })), { code: "webhook_invalid_secret" });
      await assert.rejects(m.setConfig(env.accountId, update({ outgoing: { url: "https://x.example/", events: ["nope"] } })), { code: "webhook_invalid_config" });
      assert.deepEqual((await m.getConfig(env.accountId)).secrets, [rotated[0]]);
    } finally {
      await env.stop();
    }
  });

  // docs/guarantees.md D6: every internal form is refused when configured (serve mode is closed).
  const refused = [
    "http://127.0.0.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://2130706433/",
    "http://0177.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://[fc00::1]/",
    "http://localhost./", "http://a@127.0.0.1/", "http://192.168.1.1:8080/",
  ];

  it("refuses internal destinations in serve mode, from the webapi and from the config file (D6)", async () => {
    const env = await hookEnv(base, { start: false, config: { allowHosts: [] } });
    try {
      for (const url of refused) {
        await assert.rejects(env.webhooks.methods.setConfig(env.accountId, update({ incoming: { url } })), /refused|credentials/, url);
        await assert.rejects(env.configure({ outgoing: { url } }), /refused|credentials/, url);
      }
      assert.equal((await env.webhooks.methods.getConfig(env.accountId)).incoming, null);
    } finally {
      await env.stop();
    }
  });

  it("allows loopback only when told to (localserve)", async () => {
    const env = await hookEnv(base, { start: false, config: { allowHosts: [], allowLoopback: true } });
    try {
      const view = await env.webhooks.methods.setConfig(env.accountId, update({ incoming: { url: "http://127.0.0.1:9/" }, outgoing: { url: "http://localhost:9/" } }));
      assert.equal(view.incoming?.url, "http://127.0.0.1:9/");
      await assert.rejects(env.webhooks.methods.setConfig(env.accountId, update({ incoming: { url: "http://10.0.0.1/" } })), /refused/);
    } finally {
      await env.stop();
    }
  });

  it("refuses at connect time a name that rebinds to loopback after the check (D7)", async () => {
    let lookups = 0;
    const env = await hookEnv(base, {
      config: { allowHosts: [] },
      resolveHost: async () => (lookups++ === 0 ? [{ address: "93.184.216.34", family: 4 }] : [{ address: "127.0.0.1", family: 4 }]),
    });
    try {
      await env.webhooks.methods.setConfig(env.accountId, update({ incoming: { url: `http://rebind.example:${env.rx.port}/` } }));
      assert.equal(lookups, 1);
      await env.incoming();
      await env.until(async () => (await env.rows())[0]?.attempts === 1 && (await env.rows())[0]!.results[0]!.error !== "no result: the process stopped during the attempt", "the refused attempt");
      const [r] = await env.rows();
      assert.match(r!.results[0]!.error, /refused: 127\.0\.0\.1 is loopback/);
      assert.equal(r!.status, "pending");
      assert.equal(env.rx.connections(), 0, "the internal port saw nothing");
    } finally {
      await env.stop();
    }
  });
});
