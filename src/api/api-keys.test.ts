// Scoped API keys: created once-shown, listed without the key, used as `Authorization: Bearer`
// within their scopes only, revoked at once; basic auth keeps working.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startApiEnv, type ApiEnv } from "./test-env.js";

describe("webapi API keys", () => {
  let env: ApiEnv;
  before(async () => {
    env = await startApiEnv();
  });
  after(async () => env.close());

  const user = { user: "mjl@mox.example" };
  const create = async (Name: string, Scopes: string[]) => (await env.post("ApiKeyCreate", { Name, Scopes }, user)).json;
  const withKey = (key: string) => ({ headers: { Authorization: `Bearer ${key}` } });

  it("sends with a send-scoped key, and refuses it reading messages", async () => {
    const { Key, ApiKey } = await create("mailer", ["send"]);
    assert.match(Key, /^pwk_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(ApiKey.Scopes, ["send"]);
    const sent = await env.post("Send", { To: [{ Address: "rcpt@example.org" }], Subject: "by key", Text: "hi\n" }, withKey(Key));
    assert.equal(sent.status, 200, sent.text);
    assert.equal(sent.json.Submissions.length, 1);
    for (const [m, req] of [["MessageList", {}], ["MessageGet", { MsgID: 1 }], ["ApiKeyList", {}]] as const) {
      const r = await env.post(m, req, withKey(Key));
      assert.equal(r.status, 400, `${m}: ${r.text}`);
      assert.equal(r.json.Code, "insufficientScope", m);
    }
    // Basic auth keeps every method.
    assert.equal((await env.post("MessageList", {}, user)).status, 200);
  });

  it("reads with a read-scoped key and lists keys without their secret", async () => {
    const { Key } = await create("reader", ["read"]);
    const r = await env.post("MessageList", {}, withKey(Key));
    assert.equal(r.status, 200, r.text);
    assert.equal((await env.post("Send", { To: [{ Address: "x@example.org" }], Text: "x" }, withKey(Key))).json.Code, "insufficientScope");
    const listed = await env.post("ApiKeyList", {}, user);
    assert.ok(listed.json.ApiKeys.some((k: { Name: string }) => k.Name === "reader"));
    assert.ok(!listed.text.includes(Key), "the key itself is never listed");
    const reader = listed.json.ApiKeys.find((k: { Name: string }) => k.Name === "reader");
    assert.ok(Key.startsWith(reader.Prefix) && reader.Prefix.length < 16, "a short prefix tells keys apart");
    assert.ok(reader.LastUsed, "use is recorded");
  });

  it("revokes a key at once and refuses unknown, revoked and foreign keys with 401", async () => {
    const { Key, ApiKey } = await create("short-lived", ["read", "admin"]);
    assert.equal((await env.post("MessageList", {}, withKey(Key))).status, 200);
    assert.equal((await env.post("ApiKeyRevoke", { ID: ApiKey.ID }, withKey(Key))).status, 200);
    const after = await env.post("MessageList", {}, withKey(Key));
    assert.equal(after.status, 401);
    assert.equal((await env.post("ApiKeyRevoke", { ID: ApiKey.ID }, user)).json.Code, "apiKeyNotFound");
    assert.equal((await env.post("MessageList", {}, withKey("pwk_" + "A".repeat(43)))).status, 401);
    assert.equal((await env.post("MessageList", {}, withKey("nonsense"))).status, 401);
    // Another account cannot revoke or see this account's keys.
    const mine = await create("mine", ["read"]);
    const other = { user: "other@other.example", password: "otherpw" };
    assert.equal((await env.post("ApiKeyRevoke", { ID: mine.ApiKey.ID }, other)).json.Code, "apiKeyNotFound");
    assert.equal((await env.post("ApiKeyList", {}, other)).json.ApiKeys.length, 0);
    assert.equal((await env.post("MessageList", {}, withKey(mine.Key))).status, 200, "still live");
  });

  it("refuses bad names and scopes, storing nothing", async () => {
    const before = (await env.post("ApiKeyList", {}, user)).json.ApiKeys.length;
    for (const [Name, Scopes] of [["", ["read"]], ["x", []], ["x", ["everything"]], ["bad\nname", ["read"]]] as [string, string[]][]) {
      const r = await env.post("ApiKeyCreate", { Name, Scopes }, user);
      assert.equal(r.json.Code, "user", JSON.stringify([Name, Scopes]));
    }
    assert.equal((await env.post("ApiKeyList", {}, user)).json.ApiKeys.length, before);
  });
});
