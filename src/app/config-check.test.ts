// `config check` and `serve` share one check: a webhook URL is accepted by the check exactly
// when serve's start-up sync accepts it, and serve refuses a bad file with every problem listed.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../../test/helpers/app.js";
import { getAccountByName } from "../store/index.js";
import { checkServeConfig } from "./config-check.js";

const urls = [
  "https://hooks.example.com/in",
  "http://hooks.example.com:8080/x",
  "http://127.0.0.1:9/hook",
  "http://2130706433/hook",
  "http://[::1]/hook",
  "http://10.1.2.3/hook",
  "http://169.254.169.254/latest",
  "http://localhost:8080/",
  "http://api.localhost/",
  "http://user:pw@hooks.example.com/",
  "http://allowed.internal:8080/ok",
  "http://192.168.1.5:3000/open",
];

describe("webhook URLs: config check agrees with serve", () => {
  let app: TestApp;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "postwire-config-check-"));
    app = await startTestApp({ config: { webhooks: { allowHosts: ["allowed.internal:8080", "192.168.1.5"] } } });
  });
  after(async () => {
    await app.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses exactly the URLs that serve's start-up sync refuses", async () => {
    const alice = (await getAccountByName(app.database.db, "alice"))!;
    let refused = 0;
    for (const url of urls) {
      const file = join(dir, "c.yaml");
      writeFileSync(
        file,
        `smtp: {submission: {enabled: false}, submissions: {enabled: false}}\nwebhooks:\n  allowHosts: [allowed.internal:8080, 192.168.1.5]\ndomains: [{name: example.test}]\naccounts:\n  - name: alice\n    addresses: [alice@example.test]\n    incomingWebhook: {url: '${url}'}\n`,
      );
      const check = checkServeConfig(file);
      const serve = await app.database.db
        .transaction(async (tx) => {
          await app.webhooks.syncConfig(tx, alice.id, { incoming: { url }, outgoing: null });
          throw new Error("rollback");
        })
        .then(
          () => "accepted",
          (err: Error) => (err.message === "rollback" ? "accepted" : err.message),
        );
      const checked = check.problems.length ? check.problems.join("; ") : "accepted";
      assert.equal(checked === "accepted", serve === "accepted", `${url}: check says ${checked}, serve says ${serve}`);
      if (serve !== "accepted") {
        refused++;
        assert.ok(checked.includes(serve), `${url}: the check gives serve's reason (${serve}): ${checked}`);
      }
    }
    assert.equal(refused, 8, "the loopback, internal, localhost and credential URLs");
  });
});
