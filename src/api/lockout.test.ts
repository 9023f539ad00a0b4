// An account attacked from many networks is not locked for its owner: strangers get 429 before
// any password check, while a client that logged in before from its network, giving the right
// password, still gets in (the limiter's remembered networks). Requests through app.request()
// with the client address set per call.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pw0, startApiEnv, type ApiEnv } from "./test-env.js";

describe("webapi login limits keep the owner in", () => {
  let env: ApiEnv;
  before(async () => (env = await startApiEnv()));
  after(async () => env.close());
  const list = (ip: string, password: string) => env.post("SuppressionList", {}, { user: "mjl@mox.example", password, ip });

  it("answers strangers 429 once the account is over its limit, and the owner's network 200", async () => {
    assert.equal((await list("192.0.2.10", pw0)).status, 200, "the owner logs in from its office");
    // Wrong passwords from 40 networks: more than the account's 30 a minute, no network near its own limit.
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await list(`10.${i}.0.1`, "guess")).status);
    assert.deepEqual([...new Set(statuses.slice(0, 30))], [401]);
    assert.deepEqual([...new Set(statuses.slice(30))], [429], "the account is over its limit");
    // A stranger with the right password is not even checked.
    assert.equal((await list("203.0.113.5", pw0)).status, 429);
    // The owner, from another address of the network it logged in from, with the right password: in.
    assert.equal((await list("192.0.2.77", pw0)).status, 200);
    // From there a wrong password is still refused, and counted against that client.
    assert.equal((await list("192.0.2.78", "guess")).status, 401);
  });
});
