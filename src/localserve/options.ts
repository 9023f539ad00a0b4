import { resolve } from "node:path";
import { validateConfig, type Config } from "../config/index.js";

/** localserve's flags (product.md): ports, webhooks, time scale, data dir. */
export type LocalserveFlags = {
  dir: string;
  smtpPort: number;
  submissionPort: number;
  submissionsPort: number;
  httpPort: number;
  incomingWebhook?: string;
  outgoingWebhook?: string;
  webhookSecret?: string;
  timeScale: number;
  host: string;
  logLevel: string;
  /** Prometheus metrics at /metrics (`--no-metrics`: off, e.g. to measure their cost). */
  metrics: boolean;
};

/** mox localserve's defaults. */
export const localserveDefaults: LocalserveFlags = {
  dir: "./postwire-localserve",
  smtpPort: 1025,
  submissionPort: 1587,
  submissionsPort: 1465,
  httpPort: 1080,
  timeScale: 1,
  host: "127.0.0.1",
  logLevel: "info",
  metrics: true,
};

/** The configuration localserve runs with: loopback listeners, plain AUTH allowed, its ports. */
export function localserveConfig(f: LocalserveFlags): Config {
  const listener = (port: number) => ({ enabled: port !== 0, host: f.host, port });
  return validateConfig({
    hostname: "localhost",
    dataDir: resolve(f.dir),
    // A developer's Ctrl-C: deliveries and webhooks under way get a short grace.
    shutdownGrace: "5s",
    log: { level: f.logLevel },
    smtp: {
      mx: listener(f.smtpPort),
      submission: { ...listener(f.submissionPort), allowInsecureAuth: true },
      submissions: listener(f.submissionsPort),
      maxConnectionsPerIp: 1000,
      greetPause: "0s", // local clients only: no early-talker pause
    },
    // One account on loopback: its subscribers may use the whole connection limit.
    // publicUrl: localserve's own listener (one-click unsubscribe links point at it).
    http: {
      enabled: f.httpPort !== 0,
      host: f.host,
      port: f.httpPort,
      publicUrl: f.httpPort !== 0 ? `http://${publicHost(f.host)}:${f.httpPort}` : "",
      events: { maxPerIp: 20000, maxPerAccount: 20000 },
    },
    metrics: { enabled: f.metrics },
    queue: { timeScale: f.timeScale },
    webhooks: { allowHosts: ["127.0.0.1", "localhost", "[::1]"] },
  }, "localserve");
}

/** The host part of localserve's own URL: a wildcard listener is reached as localhost. */
function publicHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}
