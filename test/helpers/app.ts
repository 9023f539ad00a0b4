// An in-process Postwire (startApp) in serve mode on a test database, with hosted domains and
// accounts, all listeners on free ports of 127.0.0.1.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, type AppOverrides, type RunningApp } from "../../src/app/index.js";
import { validateConfig, type Config } from "../../src/config/index.js";
import { createStaticResolver } from "../../src/dns/index.js";
import { silentLogger, type Logger } from "../../src/log/index.js";
import { createTestDatabaseUrl } from "./db.js";

export type TestApp = RunningApp & { config: Config; cleanup(): Promise<void> };

export const testPassword = "test-password-1";

/** Starts an app hosting example.test (accounts alice, bob) and other.test (carol). */
export async function startTestApp(
  o: { config?: Record<string, unknown>; overrides?: AppOverrides; beforeStart?: (dir: string) => Record<string, unknown>; log?: Logger } = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), "postwire-app-"));
  const pw = join(dir, "password");
  writeFileSync(pw, testPassword);
  const pg = await createTestDatabaseUrl();
  const listener = { enabled: true, host: "127.0.0.1", port: 0 };
  const extra = o.beforeStart?.(dir) ?? {};
  const merged = deepMerge(o.config ?? {}, extra);
  const config = validateConfig({
    hostname: "mx.example.test",
    dataDir: dir,
    log: { level: "silent" },
    database: { url: pg?.url ?? "", poolSize: 5 },
    smtp: deepMerge(
      { mx: listener, submission: { ...listener, allowInsecureAuth: true }, submissions: { ...listener, enabled: false }, maxRecipients: 5, maxMessageSize: 100_000 },
      (merged.smtp as Record<string, unknown>) ?? {},
    ),
    http: { enabled: true, host: "127.0.0.1", port: 0 },
    domains: [{ name: "example.test" }, { name: "other.test" }, { name: "disabled.test", disabled: true }],
    accounts: [
      { name: "alice", passwordFile: pw, addresses: ["alice@example.test", "sales@example.test"] },
      { name: "bob", passwordFile: pw, addresses: ["bob@example.test"] },
      { name: "carol", passwordFile: pw, addresses: ["carol@other.test"] },
    ],
    ...Object.fromEntries(Object.entries(merged).filter(([k]) => k !== "smtp")),
  });
  let app: RunningApp;
  try {
    app = await startApp(config, o.log ?? silentLogger(), { resolver: createStaticResolver({}), ...o.overrides });
  } catch (err) {
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...app,
    config,
    async cleanup() {
      await app.stop();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && cur && typeof cur === "object" && !Array.isArray(cur)
        ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
