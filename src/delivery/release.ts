import { deliverToHost } from "./smtp-client.js";

/** Where released messages go: an SMTP server, `host:port` (opportunistic STARTTLS). */
export type ReleaseTarget = { host: string; port: number };

/**
 * Sends stored bytes unchanged to one recipient on a configured SMTP server (the web
 * interface's Release: a captured message seen in a real mail client). No queue, no retry: the
 * person pressing the button sees the server's answer.
 */
export async function releaseMessage(
  t: ReleaseTarget,
  m: { ehlo: string; mailFrom: string; to: string; raw: Buffer },
): Promise<{ ok: boolean; detail: string }> {
  const r = await deliverToHost({
    hop: { address: t.host, port: t.port, servername: t.host },
    ehlo: m.ehlo,
    mailFrom: m.mailFrom,
    rcpts: [m.to],
    message: m.raw,
    requireTls: null,
    timeouts: { connectMs: 10_000, commandMs: 30_000 },
  });
  if (r.kind === "error") return { ok: false, detail: r.reply ? `${r.reply.code} ${r.reply.lines.join(" ")}` : r.error };
  const out = r.outcomes[0];
  if (!out) return { ok: false, detail: "no answer for the recipient" };
  return out.ok ? { ok: true, detail: `${out.reply.code} ${out.reply.lines.join(" ")}` } : { ok: false, detail: out.error };
}
