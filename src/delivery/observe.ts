import type { OutboundRow } from "./queries.js";
import type { HostResult } from "./smtp-client.js";
import type { Hop } from "./target.js";
import type { Ctx } from "./types.js";

/** What an attempt came to: every recipient accepted, or the class of its failures. */
function resultOf(r: HostResult): "delivered" | "temporary" | "permanent" {
  if (r.kind === "error") return r.permanent ? "permanent" : "temporary";
  const failed = r.outcomes.filter((o) => !o.ok);
  if (failed.length === 0) return "delivered";
  return failed.some((o) => o.reply.code < 500) ? "temporary" : "permanent";
}

/**
 * Runs one attempt to one host and reports it: the `delivery attempt` log line (queue message
 * ids, recipient domain, host, result, SMTP code, duration) and the attempt histogram.
 */
export async function observedAttempt(ctx: Ctx, rows: OutboundRow[], hop: Hop, noTls: boolean, send: () => Promise<HostResult>): Promise<HostResult> {
  const t0 = performance.now();
  const r = await send();
  const ms = performance.now() - t0;
  const result = resultOf(r);
  ctx.metrics?.deliveryAttempt(result, ms / 1000);
  const reply = r.kind === "error" ? r.reply : (r.outcomes.find((o) => !o.ok) ?? r.outcomes[0])?.reply;
  ctx.log.info(
    {
      msgIds: rows.map((x) => x.id),
      domain: rows[0]?.recipientDomain,
      host: hop.servername || hop.address,
      ip: hop.address,
      port: hop.port,
      noTls,
      rcpts: rows.length,
      result,
      code: reply?.code ?? 0,
      secode: reply?.secode ?? "",
      durationMs: Math.round(ms),
      error: r.kind === "error" ? r.error : undefined,
    },
    "delivery attempt",
  );
  return r;
}

/** A domain without a usable host (no MX, DNS failure): logged as an attempt with no host. */
export function logNoRoute(ctx: Ctx, rows: OutboundRow[], e: { permanent: boolean; error: string }): void {
  ctx.log.info(
    { msgIds: rows.map((x) => x.id), domain: rows[0]?.recipientDomain, host: null, rcpts: rows.length, result: e.permanent ? "permanent" : "temporary", code: 0, error: e.error },
    "delivery attempt",
  );
}
