// One delivery attempt of a batch (same raw message, recipient domain and MAIL FROM): DKIM
// signing, route lookup, then host after host until one answers for the recipients or a
// permanent error ends the attempt (mox queue/direct.go deliverDirect).
import DKIM from "nodemailer/lib/dkim";
import { faultPoint } from "../fault/index.js";
import { prependHeaders } from "../message/index.js";
import { formatAddress, needsSmtpUtf8, parseAddress } from "../smtp/index.js";
import { logNoRoute, observedAttempt } from "./observe.js";
import { loadRaw, type OutboundRow } from "./queries.js";
import { deliverToHost, type HostError, type HostResult, type Remote, type Reply } from "./smtp-client.js";
import { route, type Hop } from "./target.js";
import { unsubscribeHeaders } from "./unsubscribe.js";
import type { Ctx } from "./types.js";

/** What happened to one recipient in an attempt (`remote`: the last host talked to, if any). */
export type Outcome = (
  | { kind: "delivered"; code: number; secode: string; lines: string[] }
  | { kind: "failed"; permanent: boolean; suppressed?: boolean; code: number; secode: string; lines: string[]; error: string }
) & { remote?: Remote };

/**
 * Attempts delivery of rows that share message, domain and sender; outcomes in row order. `raw`
 * is the message when the caller loaded it with the rows (undefined: loaded here). `signal`
 * cuts the SMTP conversation short (shutdown); the caller then records only real answers.
 */
export async function attemptDelivery(ctx: Ctx, rows: OutboundRow[], raw?: Buffer | null, signal?: AbortSignal): Promise<Outcome[]> {
  const row0 = rows[0]!;
  if (raw === undefined) raw = await loadRaw(ctx.db, row0.rawId);
  if (!raw) return rows.map(() => fail(true, null, "queued message body is missing"));
  const where = await route(row0.recipientDomain, { resolver: ctx.resolver, target: ctx.target });
  if (where.hops.length === 0) {
    const e = where as { permanent: boolean; error: string };
    logNoRoute(ctx, rows, e);
    return rows.map(() => fail(e.permanent, null, e.error));
  }
  const message = await sign(ctx, row0.msgFrom, await withUnsubscribe(ctx, row0, raw));
  const base = {
    ehlo: ctx.hostname,
    mailFrom: wireAddress(row0.mailFrom),
    rcpts: rows.map((r) => wireAddress(r.recipient)),
    message,
    requireTls: row0.requireTls,
  };
  const r = await tryHops(where.hops, (hop, noTls) => observedAttempt(ctx, rows, hop, noTls, () => deliverToHost({ ...base, hop, noTls, signal })), signal);
  if (r.kind === "sent") {
    await faultPoint("delivery.after-remote-250"); // FAULT (test/torture): the MX said 250, outcome not recorded
    return r.outcomes.map((o) => ({ ...(o.ok ? delivered(o.reply) : fail(o.reply.code >= 500, o.reply, o.error)), remote: r.remote }));
  }
  return rows.map(() => ({ ...fail(r.permanent, r.reply, r.error), remote: r.remote }));
}

/** Tries hops in order (mox: stop at a permanent error; plaintext again after a TLS failure). */
async function tryHops(hops: Hop[], send: (hop: Hop, noTls: boolean) => Promise<HostResult>, signal?: AbortSignal): Promise<HostResult> {
  let last: HostError | null = null;
  let missingRequireTls = 0;
  for (const hop of hops) {
    if (signal?.aborted && last) return last;
    let r = await send(hop, false);
    if (r.kind === "error" && r.tls && !r.requireTls) r = await send(hop, true);
    if (r.kind === "sent") return r;
    last = r;
    if (r.requireTls) missingRequireTls++;
    if (r.permanent) break;
  }
  if (missingRequireTls === hops.length) {
    // RFC 8689 §5: no host can keep the REQUIRETLS promise; tell the sender now (mox does too).
    const reply: Reply = { code: 554, secode: "7.30", lines: [] };
    return { kind: "error", reply, error: "destination servers do not support requiretls", permanent: true, tls: false, requireTls: true };
  }
  return last!;
}

function delivered(reply: Reply): Outcome {
  return { kind: "delivered", code: reply.code, secode: reply.secode, lines: reply.lines };
}

function fail(permanent: boolean, reply: Reply | null, error: string): Outcome {
  return { kind: "failed", permanent, code: reply?.code ?? 0, secode: reply?.secode ?? "", lines: reply?.lines ?? [], error };
}

/** An address as sent in MAIL FROM/RCPT TO: IDNA domain unless the localpart needs SMTPUTF8. */
function wireAddress(address: string): string {
  if (address === "") return "";
  const a = parseAddress(address);
  return formatAddress(a, { ascii: !needsSmtpUtf8(a) });
}

/**
 * Categorized mail gets its recipient's List-Unsubscribe fields (RFC 8058) before signing, so
 * the signature covers them (a batch of categorized mail is always one recipient).
 */
async function withUnsubscribe(ctx: Ctx, row: OutboundRow, raw: Buffer): Promise<Buffer> {
  if (!ctx.publicUrl || row.categories.length === 0) return raw;
  const fields = unsubscribeHeaders(await ctx.unsubscribeKey(), ctx.publicUrl, row, new Date(ctx.clock.now()));
  return fields.length ? prependHeaders(raw, fields) : raw;
}

/** DKIM-signs for the From domain when a key is configured; unsigned (logged) on failure. */
async function sign(ctx: Ctx, msgFrom: string, raw: Buffer): Promise<Buffer> {
  if (!ctx.dkim || msgFrom === "") return raw;
  const domain = msgFrom.slice(msgFrom.lastIndexOf("@") + 1).toLowerCase();
  try {
    const key = await ctx.dkim(domain);
    if (!key) return raw;
    const signed = new DKIM(key).sign(raw);
    const chunks: Buffer[] = [];
    for await (const c of signed) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } catch (err) {
    ctx.log.error({ err, domain }, "dkim signing failed, sending unsigned");
    return raw;
  }
}
