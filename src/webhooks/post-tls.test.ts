// https delivery: certificate verification stays on, SNI/Host carry the configured name.
// Generates a throwaway self-signed certificate with the openssl CLI; skipped without it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWebhookPoster, type WebhookRequest } from "./post.js";
import { createDestinationGuard, type ResolveHost } from "./ssrf.js";

function selfSigned(): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), "postwire-tls-"));
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"), "-subj", "/CN=hook.test",
      "-addext", "subjectAltName=DNS:hook.test",
    ], { stdio: "ignore" });
    return { key: readFileSync(join(dir, "k.pem"), "utf8"), cert: readFileSync(join(dir, "c.pem"), "utf8") };
  } catch {
    return null; // no openssl: the suite is skipped below
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pair = selfSigned();
const resolve: ResolveHost = async () => [{ address: "127.0.0.1", family: 4 }];
const request = (url: string): WebhookRequest => ({ url, body: "{}", hookId: 1, webhookId: "msg_1", attempt: 1 });

describe("https delivery", { skip: pair === null ? "openssl not available" : false }, () => {
  let server: https.Server;
  let port = 0;
  const seen: Array<{ host: string | undefined; servername: string | false | null }> = [];
  before(async () => {
    server = https.createServer({ key: pair!.key, cert: pair!.cert }, (req, res) => {
      seen.push({ host: req.headers.host, servername: (req.socket as TLSSocket).servername });
      req.resume();
      req.on("end", () => res.end("tls ok"));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test("delivers to a trusted certificate, with SNI and Host set to the URL's name", async () => {
    const guard = createDestinationGuard({ resolve, policy: { allow: ["hook.test"] } });
    const poster = createWebhookPoster({ guard, version: "t", ca: pair!.cert });
    const r = await poster.post(request(`https://hook.test:${port}/`));
    poster.close();
    assert.deepEqual([r.ok, r.status, r.responseHead], [true, 200, "tls ok"], r.error ?? "");
    assert.deepEqual(seen.at(-1), { host: `hook.test:${port}`, servername: "hook.test" });
  });

  test("refuses an untrusted certificate as a network failure", async () => {
    const guard = createDestinationGuard({ resolve, policy: { allow: ["hook.test"] } });
    const poster = createWebhookPoster({ guard, version: "t" });
    const before = seen.length;
    const r = await poster.post(request(`https://hook.test:${port}/`));
    poster.close();
    assert.deepEqual([r.ok, r.status, r.failure], [false, 0, "network"]);
    assert.match(r.error!, /SELF_SIGNED|UNABLE_TO_VERIFY/);
    assert.equal(seen.length, before);
  });
});
