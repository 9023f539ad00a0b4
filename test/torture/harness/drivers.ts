// Load drivers: one message through the MX, through authenticated submission, or through a
// webapi Send, each classified the way the LEDGER needs it: acked (250 / 200), refused
// (4xx/5xx / 400: nothing may be stored), cut (the end of data or the request went out and no
// answer came back: stored 0 or 1 times), unsent (the connection broke before the end of data).
import { RawSmtp } from "../../helpers/smtp-client.js";

/** How one attempt ended, from the client's side. */
export type Outcome = "acked" | "refused" | "cut" | "unsent";

/** One attempt's result with the reply that decided it. */
export type AttemptResult = { outcome: Outcome; reply: string; ms: number };

/** Where a message enters. */
export type Channel = "mx" | "submission" | "webapi";

/** What to send: `subject` carries the attempt id the ledger finds rows by. */
export type Send = { channel: Channel; recipients: string[]; subject: string; messageId: string; body: string };

/** localserve's account (mox localserve defaults). */
export const login = { user: "mox@localhost", password: "moxmoxmox" } as const;

/** The RFC 5322 message a driver sends over SMTP (CRLF, dot-stuffed by `dataBlock`). */
export function composeRaw(s: Send, from: string): string {
  const to = s.recipients.join(", ");
  return [`From: ${from}`, `To: ${to}`, `Subject: ${s.subject}`, `Message-ID: ${s.messageId}`, `Date: ${new Date().toUTCString()}`, "", s.body, ""].join("\r\n");
}

function dataBlock(raw: string): string {
  return raw.replace(/^\./gm, "..") + ".\r\n";
}

const code = (reply: string): number => Number(reply.slice(0, 3)) || 0;

/** Runs one SMTP transaction (MX, or submission with AUTH PLAIN) on a fresh connection. */
export async function sendSmtp(port: number, s: Send, timeoutMs = 30_000): Promise<AttemptResult> {
  const t0 = Date.now();
  const done = (outcome: Outcome, reply: string): AttemptResult => ({ outcome, reply, ms: Date.now() - t0 });
  let c: RawSmtp;
  try {
    c = await RawSmtp.open(port);
  } catch (err) {
    return done("unsent", `connect: ${(err as Error).message}`);
  }
  try {
    const step = async (line: string | null, want: number): Promise<string | null> => {
      const r = line === null ? await c.reply(timeoutMs) : await c.cmd(line);
      return code(r) === want ? null : r;
    };
    const sub = s.channel === "submission";
    const from = sub ? login.user : "sender@client.example";
    let bad = (await step(null, 220)) ?? (await step("EHLO client.example", 250));
    if (!bad && sub) bad = await step(`AUTH PLAIN ${Buffer.from(`\0${login.user}\0${login.password}`).toString("base64")}`, 235);
    if (!bad) bad = await step(`MAIL FROM:<${from}>`, 250);
    for (const r of s.recipients) if (!bad) bad = await step(`RCPT TO:<${r}>`, 250);
    if (!bad) bad = await step("DATA", 354);
    if (bad !== null) return done(bad === "" ? "unsent" : "refused", bad);
    c.write(dataBlock(composeRaw(s, from)));
    let reply: string;
    try {
      reply = await c.reply(timeoutMs);
    } catch {
      return done("cut", "timeout after end of data");
    }
    if (reply === "") return done("cut", "closed after end of data");
    c.write("QUIT\r\n");
    return done(code(reply) === 250 ? "acked" : "refused", reply);
  } catch (err) {
    // A timeout before the end of data: nothing can have been committed.
    return done("unsent", String(err));
  } finally {
    c.close();
  }
}

/** A webapi Send; `200` is acked, a `400` JSON error refused, no answer cut. */
export async function sendWebapi(httpPort: number, s: Send, timeoutMs = 30_000): Promise<AttemptResult> {
  const t0 = Date.now();
  const request = JSON.stringify({ To: s.recipients.map((Address) => ({ Address })), Subject: s.subject, Text: s.body, MessageID: s.messageId });
  try {
    const r = await fetch(`http://127.0.0.1:${httpPort}/webapi/v0/Send`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from(`${login.user}:${login.password}`).toString("base64")}` },
      body: new URLSearchParams({ request }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await r.text();
    const ms = Date.now() - t0;
    return { outcome: r.status === 200 ? "acked" : "refused", reply: `${r.status} ${text.trim().slice(0, 200)}`, ms };
  } catch (err) {
    const cause = (err as Error).cause as { code?: string } | undefined;
    // Refused at connect: nothing reached the server. Otherwise the request may have been handled.
    const outcome: Outcome = cause?.code === "ECONNREFUSED" ? "unsent" : "cut";
    return { outcome, reply: String(cause ?? err), ms: Date.now() - t0 };
  }
}

/** Sends with the driver for the channel. */
export function sendOne(ports: { smtp: number; submission: number; http: number }, s: Send, timeoutMs = 30_000): Promise<AttemptResult> {
  if (s.channel === "webapi") return sendWebapi(ports.http, s, timeoutMs);
  return sendSmtp(s.channel === "mx" ? ports.smtp : ports.submission, s, timeoutMs);
}
