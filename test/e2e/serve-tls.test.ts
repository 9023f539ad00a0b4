// `postwire serve` as a real process: it refuses to start a TLS listener without a certificate
// (naming the field), logs what each listener offers, and after SIGHUP serves the replaced
// certificate files (python3 ssl handshakes), keeping the old one when the new pair is broken.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createTestDatabaseUrl } from "../helpers/db.js";
import { freePort } from "../helpers/proc.js";
import { postwire, startServe, type ServeProc } from "../helpers/serve-proc.js";
import { fingerprintOf, makeCert, probeSmtp } from "../helpers/tls-probe.js";

describe("serve: TLS certificates from files, SIGHUP", () => {
  let dir: string;
  let pg: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
  let serve: ServeProc | null = null;
  let port465: number;
  const base = () => ({
    hostname: "mx.example.test",
    dataDir: join(dir, "data"),
    log: { level: "info" },
    database: { url: pg?.url ?? "" },
    domains: [{ name: "example.test" }],
  });
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "postwire-serve-tls-"));
    pg = await createTestDatabaseUrl();
    port465 = await freePort();
  });
  after(async () => {
    await serve?.stop();
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses to start submissions without a certificate, naming the field", async () => {
    const file = join(dir, "nocert.yaml");
    writeFileSync(file, JSON.stringify({ ...base(), smtp: { submission: { enabled: false } } }));
    const r = await postwire(["serve", "--config", file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /smtp\.submissions: implicit TLS needs a certificate: set smtp\.tls\.certFile and smtp\.tls\.keyFile/);
  });

  it("serves the configured certificate, logs the offer, and reloads the files on SIGHUP", async () => {
    const [first, second, stranger] = await Promise.all([makeCert("mx.example.test"), makeCert("mx.example.test"), makeCert("other.test")]);
    writeFileSync(join(dir, "tls.crt"), first.cert);
    writeFileSync(join(dir, "tls.key"), first.key);
    serve = await startServe(dir, "tls", {
      ...base(),
      smtp: {
        submissions: { enabled: true, host: "127.0.0.1", port: port465 },
        tls: { certFile: join(dir, "tls.crt"), keyFile: join(dir, "tls.key") },
      },
    });
    const lines = serve.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    const offer = (listener: string) => lines.find((l) => l.msg === "smtp listening" && l.listener === listener);
    assert.equal(offer("mx")?.tls, "starttls");
    assert.equal(offer("mx")?.auth, "none");
    assert.equal(offer("submissions")?.tls, "implicit");
    assert.equal(offer("submissions")?.auth, "after-tls");
    assert.match(String((offer("submissions")?.certificate as { subject?: string })?.subject), /CN=mx\.example\.test/);

    assert.equal((await probeSmtp({ port: port465, mode: "implicit" })).fingerprint, fingerprintOf(first.cert));
    writeFileSync(join(dir, "tls.crt"), second.cert);
    writeFileSync(join(dir, "tls.key"), second.key);
    serve.child.kill("SIGHUP");
    await until(async () => (await probeSmtp({ port: port465, mode: "implicit" })).fingerprint === fingerprintOf(second.cert));
    assert.equal((await probeSmtp({ port: serve.ports.smtp, mode: "starttls" })).fingerprint, fingerprintOf(second.cert));

    // A key that does not belong to the certificate: the reload is refused and logged, the old pair stays.
    writeFileSync(join(dir, "tls.key"), stranger.key);
    serve.child.kill("SIGHUP");
    await until(async () => serve!.output().includes("tls reload failed"));
    assert.match(serve.output(), /smtp\.tls: .* are not a usable certificate and key/);
    assert.equal((await probeSmtp({ port: port465, mode: "implicit" })).fingerprint, fingerprintOf(second.cert));
    assert.equal(serve.child.exitCode, null, "still running");
  });
});

async function until(cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
