// The failed-auth limiter per account (docs/guarantees.md A13, C3): a password-guessing attack on one
// account spread over many client networks is stopped on SMTP AUTH (535 5.7.8 with a growing
// delay, then 421 4.7.0 and a close) and on the webapi (429), with the same answers for an
// unknown user as for a known one. Real sockets from distinct loopback source addresses.
import assert from "node:assert/strict";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestApp, testPassword, type TestApp } from "../helpers/app.js";
import { RawSmtp } from "../helpers/smtp-client.js";

const plain = (u: string, p: string) => Buffer.from(`\0${u}\0${p}`).toString("base64");

/** A source address in its own /21, so no per-IP limit is shared between attempts. */
let nextNet = 1;
const freshIp = () => `127.${nextNet++}.0.1`;

describe("failed-auth limit per account, SMTP and webapi", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      config: { authLimits: { accountPerMinute: 4, ipPerMinute: 5 } },
      // Two more accounts, so each test starts from accounts no other test has failed on.
      beforeStart: (dir) => ({
        accounts: [
          { name: "alice", passwordFile: join(dir, "password"), addresses: ["alice@example.test", "sales@example.test"] },
          { name: "bob", passwordFile: join(dir, "password"), addresses: ["bob@example.test"] },
          { name: "carol", passwordFile: join(dir, "password"), addresses: ["carol@other.test"] },
          { name: "dave", passwordFile: join(dir, "password"), addresses: ["dave@example.test"] },
          { name: "erin", passwordFile: join(dir, "password"), addresses: ["erin@other.test"] },
        ],
      }),
    });
  });
  after(async () => app.cleanup());

  /** One AUTH PLAIN on a fresh connection from `ip`: the reply, whether the server closed, and how long it took. */
  async function auth(user: string, password: string, ip: string) {
    const c = await RawSmtp.open(app.ports.submission!, "127.0.0.1", ip);
    try {
      assert.match(await c.reply(), /^220 /);
      assert.match(await c.cmd("EHLO client.test"), /^250/);
      const t0 = Date.now();
      const reply = await c.cmd(`AUTH PLAIN ${plain(user, password)}`);
      const ms = Date.now() - t0;
      if (/^421 /.test(reply)) assert.equal(await c.reply(2000), "", "closed after 421");
      return { reply, ms };
    } finally {
      c.close();
    }
  }

  it("SMTP: 535 5.7.8 with a growing delay, then 421 4.7.0 even for the right password; unknown users alike", async () => {
    const results: Record<string, { reply: string; ms: number }[]> = {};
    for (const user of ["alice@example.test", "nobody@example.test"]) {
      const r = [];
      for (let i = 0; i < 5; i++) r.push(await auth(user, "wrong-password", freshIp()));
      results[user] = r;
    }
    for (const [user, r] of Object.entries(results)) {
      assert.deepEqual(
        r.map((x) => x.reply),
        [...Array(3).fill("535 5.7.8 authentication credentials invalid"), ...Array(2).fill("421 4.7.0 too many authentication failures")],
        user,
      );
      // Delays of at least 250, 500, 750, 1000 ms: each attempt comes from a new network, so only
      // the account's failure count can make them grow.
      const ms = r.map((x) => x.ms);
      assert.ok(ms[0]! >= 250 && ms[1]! >= 500 && ms[2]! >= 750 && ms[3]! >= 1000, `${user}: ${ms.join(",")}`);
    }
    assert.deepEqual(await auth("alice@example.test", testPassword, freshIp()).then((x) => x.reply), "421 4.7.0 too many authentication failures");
    // A catchall variant or another address of the same account does not start a new count.
    assert.equal((await auth("alice+x@example.test", "wrong-password", freshIp())).reply, "421 4.7.0 too many authentication failures");
    // Another account is not affected.
    assert.match((await auth("bob@example.test", testPassword, freshIp())).reply, /^235 2\.7\.0 /);
  });

  it("SMTP: one IP guessing on one connection, known and unknown users mixed, is cut at the per-IP limit", async () => {
    const ip = freshIp();
    const c = await RawSmtp.open(app.ports.submission!, "127.0.0.1", ip);
    assert.match(await c.reply(), /^220 /);
    assert.match(await c.cmd("EHLO client.test"), /^250/);
    const users = ["dave@example.test", "nobody1@example.test", "erin@other.test", "nobody2@other.test", "dave@example.test", "nobody3@other.test"];
    const r: string[] = [];
    for (const u of users) {
      r.push(await c.cmd(`AUTH PLAIN ${plain(u, "wrong-password")}`));
      if (r.at(-1) === "") break;
    }
    assert.deepEqual(r, [...Array(4).fill("535 5.7.8 authentication credentials invalid"), "421 4.7.0 too many authentication failures", ""]);
    assert.ok(c.closed);
    // The IP stays refused, before any password is checked; a success elsewhere does not help it.
    assert.match((await auth("erin@other.test", testPassword, freshIp())).reply, /^235 /);
    assert.equal((await auth("erin@other.test", testPassword, ip)).reply, "421 4.7.0 too many authentication failures");
  });

  it("webapi: 401 until the account's limit, then 429 even with the right password; unknown users alike", async () => {
    const statuses: Record<string, number[]> = {};
    for (const user of ["carol@other.test", "nobody-web@other.test"]) {
      statuses[user] = [];
      for (let i = 0; i < 5; i++) statuses[user].push((await post(app.ports.http!, user, "wrong-password", freshIp())).status);
    }
    assert.deepEqual(statuses, { "carol@other.test": [401, 401, 401, 401, 429], "nobody-web@other.test": [401, 401, 401, 401, 429] });
    const r = await post(app.ports.http!, "carol@other.test", testPassword, freshIp());
    assert.deepEqual(r, { status: 429, body: "429 - too many auth attempts\n" });
    // SMTP AUTH and the event stream share the counter: carol is refused there too.
    assert.equal((await auth("carol@other.test", testPassword, freshIp())).reply, "421 4.7.0 too many authentication failures");
    assert.equal(await upgrade(app.ports.http!, "carol@other.test", testPassword, freshIp()), 429);
  });

  it("event stream: failed upgrades count against the account too", async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await upgrade(app.ports.http!, "bob@example.test", "wrong-password", freshIp()));
    assert.deepEqual(statuses, [401, 401, 401, 401]);
    assert.equal((await post(app.ports.http!, "bob@example.test", testPassword, freshIp())).status, 429);
    assert.equal(await upgrade(app.ports.http!, "bob@example.test", testPassword, freshIp()), 429);
  });
});

/** A WebSocket upgrade of the event stream with basic auth; the HTTP status (101 when upgraded). */
function upgrade(port: number, user: string, password: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      localAddress,
      path: "/webapi/v0/events",
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": Buffer.from("0123456789abcdef").toString("base64"),
        Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
      },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** POSTs SuppressionList with basic auth from a chosen loopback source address. */
function post(port: number, user: string, password: string, localAddress: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = "request=%7B%7D";
    const req = request(
      {
        host: "127.0.0.1",
        port,
        localAddress,
        method: "POST",
        path: "/webapi/v0/SuppressionList",
        headers: {
          Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
          "Content-Type": "application/x-www-form-urlencoded",
          "Content-Length": body.length,
        },
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
