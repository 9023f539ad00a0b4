import type { RunningApp } from "../app/index.js";
import type { WebhookConfigView } from "../webhooks/index.js";
import { localAccount } from "./account.js";

/** The start-up text: where everything listens and how to log in. */
export function banner(app: RunningApp & { webhookConfig?: WebhookConfigView | null }, dir: string, host: string, ms: number): string {
  const u = encodeURIComponent(localAccount.address);
  const p = app.ports;
  const lines = [
    `postwire localserve ready in ${ms} ms (data in ${dir})`,
    `  account:      ${localAccount.address}  password: ${localAccount.password}`,
    `  every recipient of every domain is delivered to this account`,
  ];
  if (p.smtp) lines.push(`  smtp:         smtp://${host}:${p.smtp} (receive, no auth)`);
  if (p.submission) lines.push(`  submission:   smtp://${u}:${localAccount.password}@${host}:${p.submission} (plain or STARTTLS)`);
  if (p.submissions) lines.push(`  submissions:  smtps://${u}:${localAccount.password}@${host}:${p.submissions} (TLS, self-signed)`);
  if (p.http) {
    lines.push(`  web:          http://${host}:${p.http}/ (inbox, no login on loopback)`);
    lines.push(`  webapi:       http://${host}:${p.http}/webapi/v0/ (basic auth ${localAccount.address}:${localAccount.password})`);
    lines.push(`  events:       ws://${host}:${p.http}/webapi/v0/events`);
    if (app.metrics.enabled) lines.push(`  metrics:      http://${host}:${p.http}/metrics (health: /healthz, /readyz)`);
  }
  const w = app.webhookConfig;
  if (w?.incoming) lines.push(`  webhook in:   ${w.incoming.url}`);
  if (w?.outgoing) lines.push(`  webhook out:  ${w.outgoing.url}${w.outgoing.events.length ? ` (${w.outgoing.events.join(",")})` : ""}`);
  if ((w?.incoming || w?.outgoing) && w.secrets[0]) lines.push(`  signing:      ${w.secrets[0]} (Standard Webhooks)`);
  lines.push(
    `  failures:     recipient localparts ending in temperror, permerror, NNN (e.g. x550) or timeout fail;`,
    `                starting with mailfrom/rcptto they fail at that command; x+451-451-250 scripts attempts`,
  );
  return lines.join("\n");
}
