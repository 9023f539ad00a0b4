// One connection to one host with nodemailer's SMTPConnection: opportunistic STARTTLS (or
// required TLS and REQUIRETLS), then as many transactions as the recipient limit of the server
// needs (mox deliverHost: a 452/552 on a later RCPT moves that recipient to the next
// transaction). Results per recipient come from the RCPT and DATA replies.
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import { isIP } from "node:net";
import SMTPConnection, { type SMTPConnectionEnvelope, type SMTPConnectionSendInfo } from "nodemailer/lib/smtp-connection";
import type { NodemailerError } from "nodemailer/lib/errors";
import { headerSectionEnd } from "../message/index.js";
import type { Hop } from "./target.js";

/** An SMTP reply: code, enhanced code without its class ("1.1"), and the reply lines. */
export type Reply = { code: number; secode: string; lines: string[] };

/** The result for one recipient of a transaction. */
export type RcptOutcome = { ok: true; reply: Reply } | { ok: false; reply: Reply; error: string };

/** The host an attempt talked to and whether the session was TLS (the attempts timeline). */
export type Remote = { host: string; tls: boolean };

/** What a host did with the message: per-recipient outcomes, or one error for all. */
export type HostResult = (
  | { kind: "sent"; outcomes: RcptOutcome[] }
  | { kind: "error"; reply: Reply | null; error: string; permanent: boolean; tls: boolean; requireTls: boolean }
) & { remote?: Remote };

/** The error variant of {@link HostResult}. */
export type HostError = Extract<HostResult, { kind: "error" }>;

/** One delivery attempt to one host. Envelope addresses are already in wire form. */
export type HostAttempt = {
  hop: Hop;
  ehlo: string;
  mailFrom: string;
  rcpts: string[];
  message: Buffer;
  /** true: verified TLS and REQUIRETLS; false/null: opportunistic. */
  requireTls: boolean | null;
  /** Plaintext only (the retry after a failed TLS handshake). */
  noTls?: boolean;
  timeouts?: { connectMs: number; commandMs: number };
  /** Closes the connection at once when it aborts (shutdown after the grace period). */
  signal?: AbortSignal;
};

const defaultTimeouts = { connectMs: 30_000, commandMs: 60_000 };
const rcptLimitCodes = new Set([452, 552]);

// One client TLS context (Node's default CAs and ciphers) for every STARTTLS: creating it per
// connection cost about 0.5 ms of CPU each.
let sharedContext: SecureContext | null = null;
const clientContext = (): SecureContext => (sharedContext ??= createSecureContext({}));
// A target's own trusted certificates (localserve's self-signed one) beside the system's CAs.
const caContexts = new Map<string, SecureContext>();
const contextWithCa = (ca: string): SecureContext => {
  let c = caContexts.get(ca);
  if (!c) caContexts.set(ca, (c = createSecureContext({ ca: [...rootCertificates, ca] })));
  return c;
};

/** Delivers to one host; never throws. */
export async function deliverToHost(a: HostAttempt): Promise<HostResult> {
  const t = a.timeouts ?? defaultTimeouts;
  // RFC 6066 §3: SNI carries host names only, never an address literal.
  const sni = isIP(a.hop.servername) ? undefined : a.hop.servername;
  const conn = new SMTPConnection({
    host: a.hop.address,
    port: a.hop.port,
    name: a.ehlo,
    ...(sni ? { servername: sni } : {}),
    requireTLS: a.requireTls === true,
    opportunisticTLS: a.requireTls !== true,
    ignoreTLS: a.noTls === true && a.requireTls !== true,
    // Opportunistic TLS verifies nothing (RFC 7435); REQUIRETLS needs a valid certificate.
    tls: { rejectUnauthorized: a.requireTls === true, secureContext: a.hop.ca ? contextWithCa(a.hop.ca) : clientContext(), ...(sni ? { servername: sni } : {}) },
    connectionTimeout: t.connectMs,
    greetingTimeout: t.commandMs,
    socketTimeout: t.commandMs,
    logger: false,
  });
  let broken: NodemailerError | null = null;
  conn.on("error", (err: NodemailerError) => (broken ??= err));
  const remote = (): Remote => ({ host: a.hop.servername, tls: (conn as unknown as { secure?: boolean }).secure === true });
  const abort = (): void => conn.close();
  a.signal?.addEventListener("abort", abort, { once: true });
  try {
    if (a.signal?.aborted) throw Object.assign(new Error("aborted: shutting down"), { code: "ECONNECTION" });
    await open(conn);
    return { ...(missingExtension(conn, a) ?? (await transactions(conn, a, () => broken))), remote: remote() };
  } catch (err) {
    return { ...hostError((broken ?? err) as NodemailerError, a.requireTls === true), remote: remote() };
  } finally {
    a.signal?.removeEventListener("abort", abort);
    conn.close();
  }
}

/**
 * The message as it is cannot go to a server without the extension it needs, and we do not
 * downgrade it (mox neither): UTF-8 in the envelope or the header needs SMTPUTF8 (RFC 6531,
 * 5.6.7), 8-bit bytes in the body need 8BITMIME (RFC 6152, 5.6.3). Without, every recipient on
 * this host fails permanently, so the sender gets a DSN instead of a silently mangled message.
 */
function missingExtension(conn: SMTPConnection, a: HostAttempt): HostError | null {
  const ext = (conn as unknown as { _supportedExtensions?: string[] })._supportedExtensions;
  if (!ext) return null; // nodemailer keeps them elsewhere: let the server decide
  const end = headerSectionEnd(a.message);
  const header = a.message.subarray(0, end);
  const eightBit = (b: Buffer) => b.some((x) => x > 0x7f);
  const refuse = (code: number, enhanced: string, text: string): HostError => {
    const r: Reply = { code, secode: enhanced.slice(2), lines: [`${code} ${enhanced} ${text}`] };
    return { kind: "error", reply: r, error: r.lines[0]!, permanent: true, tls: false, requireTls: false };
  };
  const utf8 = [a.mailFrom, ...a.rcpts].some((x) => /[^\x00-\x7f]/.test(x)) || eightBit(header);
  if (utf8 && !ext.includes("SMTPUTF8")) return refuse(553, "5.6.7", "remote server does not support SMTPUTF8, needed for the internationalized addresses or header of this message");
  if (eightBit(a.message.subarray(end)) && !ext.includes("8BITMIME")) {
    return refuse(554, "5.6.3", "remote server does not support 8BITMIME, needed for the 8-bit body of this message");
  }
  return null;
}

/** Connects (greeting, EHLO, STARTTLS); rejects on an error or a close. */
function open(conn: SMTPConnection): Promise<void> {
  return guarded(conn, (done) => conn.connect((err) => done(err ?? null)));
}

/** RSET between transactions. */
function reset(conn: SMTPConnection): Promise<void> {
  return guarded(conn, (done) => conn.reset((err) => done(err ?? null)));
}

/** Runs a callback-style step, also failing when the connection errors or ends meanwhile. */
function guarded(conn: SMTPConnection, step: (done: (err: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    const onEnd = (): void => reject(Object.assign(new Error("connection closed"), { code: "ECONNECTION" }));
    conn.once("error", onError);
    conn.once("end", onEnd);
    step((err) => {
      conn.off("error", onError);
      conn.off("end", onEnd);
      if (err) reject(err);
      else resolve();
    });
  });
}

/** Runs transactions until every recipient has an outcome (mox's RCPT-limit split). */
async function transactions(conn: SMTPConnection, a: HostAttempt, broken: () => NodemailerError | null): Promise<HostResult> {
  const outcomes: (RcptOutcome | undefined)[] = a.rcpts.map(() => undefined);
  let todo = a.rcpts.map((_, i) => i);
  for (let n = 0; todo.length > 0; n++) {
    // A recipient appears at most once per transaction (RCPT replies are matched by address).
    const seen = new Set<string>();
    const batch = todo.filter((i) => !seen.has(a.rcpts[i]!.toLowerCase()) && seen.add(a.rcpts[i]!.toLowerCase()));
    const next = todo.filter((i) => !batch.includes(i));
    if (n > 0) await reset(conn);
    const r = await sendOnce(conn, a, batch.map((i) => a.rcpts[i]!));
    if ("error" in r) {
      const err = broken() ?? r.error;
      if (outcomes.every((o) => o === undefined)) return hostError(err, a.requireTls === true);
      const e = hostError(err, a.requireTls === true);
      for (const i of todo) outcomes[i] = { ok: false, reply: e.reply ?? noReply, error: e.error };
      break;
    }
    batch.forEach((i, k) => {
      const o = r.outcomes[k]!;
      if (k > 0 && !o.ok && o.reply.code > 0 && rcptLimitCodes.has(o.reply.code) && r.rcptPhase[k]) next.push(i);
      else outcomes[i] = o;
    });
    todo = next.sort((x, y) => x - y);
  }
  return { kind: "sent", outcomes: outcomes.map((o) => o ?? { ok: false, reply: noReply, error: "not attempted" }) };
}

const noReply: Reply = { code: 0, secode: "", lines: [] };

type Sent = { outcomes: RcptOutcome[]; rcptPhase: boolean[] } | { error: NodemailerError };

/** One MAIL/RCPT/DATA transaction; reads the per-recipient replies off the envelope object. */
function sendOnce(conn: SMTPConnection, a: HostAttempt, to: string[]): Promise<Sent> {
  const envelope = {
    from: a.mailFrom,
    to,
    size: a.message.length,
    use8BitMime: a.message.some((b) => b > 0x7f),
    requireTLSExtensionEnabled: a.requireTls === true,
  };
  return new Promise((resolve) => {
    conn.send(envelope, a.message, (err, info) => {
      // nodemailer fills accepted/rejectedErrors in on the envelope object it was given.
      const env = envelope as unknown as Partial<SMTPConnectionEnvelope> & { mailError?: NodemailerError };
      const rcptErrors = new Map((env.rejectedErrors ?? []).map((e) => [e.recipient ?? "", e]));
      const whole = env.mailError ?? (err && err.command !== "RCPT TO" && err.command !== "DATA" ? err : null);
      if (whole || (err && !err.response)) return resolve({ error: (whole ?? err)! });
      const data = err ? { ok: false as const, err } : { ok: true as const, info: info as SMTPConnectionSendInfo };
      const outcomes = to.map((rcpt): RcptOutcome => {
        const re = rcptErrors.get(rcpt);
        if (re) return failed(re);
        return data.ok ? { ok: true, reply: parseReply(data.info.response) } : failed(data.err);
      });
      resolve({ outcomes, rcptPhase: to.map((rcpt) => rcptErrors.has(rcpt)) });
    });
  });
}

function failed(e: NodemailerError): RcptOutcome {
  const reply = parseReply(e.response ?? "");
  return { ok: false, reply, error: reply.lines[0] ?? e.message };
}

/** Parses `550 5.1.1 no such user` (possibly multi-line) into code, secode and lines. */
export function parseReply(response: string): Reply {
  const lines = response
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const m = /^(\d{3})[ -]?(?:([245])\.(\d{1,3}\.\d{1,3})\b)?/.exec(lines[0] ?? "");
  return { code: m ? Number(m[1]) : 0, secode: m?.[3] ?? "", lines };
}

/** A failure that applies to every recipient on this host (connection, TLS, greeting, MAIL). */
function hostError(err: NodemailerError, requireTls: boolean): HostError {
  const reply = err.response ? parseReply(err.response) : null;
  // Certificate and handshake failures arrive as ETLS, or as ESOCKET with the TLS error code.
  const tls = err.code === "ETLS" || /CERT|TLS|SSL|SIGNATURE|ISSUER/.test(err.originalCode ?? "");
  if (err.code === "EREQUIRETLS" || (requireTls && tls)) {
    return { kind: "error", reply, error: `requiretls not satisfied: ${err.message}`, permanent: false, tls, requireTls: true };
  }
  if (err.code === "EMESSAGE" && !reply && err.command === "MAIL FROM") {
    // nodemailer refuses locally when the server's SIZE is smaller than the message.
    const r: Reply = { code: 552, secode: "3.4", lines: [`552 5.3.4 ${err.message}`] };
    return { kind: "error", reply: r, error: r.lines[0]!, permanent: true, tls: false, requireTls: false };
  }
  const permanent = reply !== null && reply.code >= 500 && reply.code !== 503;
  const error = reply ? (reply.lines[0] ?? err.message) : `smtp ${err.code ?? "error"}: ${err.message}`;
  return { kind: "error", reply, error, permanent, tls, requireTls: false };
}
