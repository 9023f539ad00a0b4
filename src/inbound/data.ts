import type { Readable } from "node:stream";
import type { SMTPServerSession } from "smtp-server";
import { hasBareCrOrLf, ParseLimitError, readHeaderFields } from "../message/index.js";
import { smtpError, SmtpError } from "../smtp/index.js";
import { acceptIncoming } from "./accept.js";
import { receivedField } from "./received.js";
import { simulated } from "./envelope.js";
import { logAccepted } from "./observe.js";
import { stateOf, type SessionState } from "./state.js";
import { acceptSubmission } from "./submit.js";
import type { InboundDeps, ListenerKind } from "./types.js";

/** Reads DATA fully (smtp-server requires it), keeping at most `max` bytes. */
export async function readData(stream: Readable & { sizeExceeded?: boolean }, max: number): Promise<{ raw: Buffer; tooBig: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    size += c.length;
    if (size <= max) chunks.push(c);
  }
  return { raw: Buffer.concat(chunks), tooBig: size > max || stream.sizeExceeded === true };
}

/**
 * The DATA phase: size, bare CR/LF (smuggling policy: refused like mox, 500 5.5.2), localserve's
 * scripted failures, then the commit. The reply is 250 only after the commit; any failure
 * before it is 451 4.3.0 and stores nothing.
 */
export async function handleData(
  deps: InboundDeps,
  kind: ListenerKind,
  stream: Readable & { sizeExceeded?: boolean },
  session: SMTPServerSession,
): Promise<string> {
  const { raw, tooBig } = await readData(stream, deps.limits.maxMessageSize);
  if (tooBig) throw smtpError("messageTooBig");
  if (hasBareCrOrLf(raw)) throw smtpError("bareLineEnding");
  const st = stateOf(session);
  st.busy = true; // the client has sent everything; our own work does not count against its deadline
  try {
    return await commitData(deps, kind, raw, session, st);
  } finally {
    st.busy = false;
  }
}

async function commitData(deps: InboundDeps, kind: ListenerKind, raw: Buffer, session: SMTPServerSession, st: SessionState): Promise<string> {
  const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
  const rcpts = kind === "mx" ? st.recipients.map((r) => r.rcptTo) : st.outgoing;
  if (deps.simulate) {
    // Scripted sequences (x+451-451-250) count deliveries of the same message: key on its Message-ID.
    const mid = messageIdOf(raw);
    for (const r of rcpts) await simulated(deps, "data", r, mid || st.messageKey);
  }
  const received = receivedField({ kind, session, ip: st.ip, hostname: deps.hostname, recipients: rcpts, now: deps.clock.now() });
  try {
    if (kind === "mx") {
      const ids = await acceptIncoming(deps, {
        raw,
        received,
        mailFrom,
        recipients: st.recipients,
        remoteIp: st.ip,
        helo: session.hostNameAppearsAs ?? "",
        tls: Boolean(session.secure),
        listener: kind,
      });
      logAccepted(deps, kind, session, st, { size: raw.length, mailFrom, recipients: rcpts.length, msgIds: ids });
      return `queued as ${ids.join(",") || "dsn"}`;
    }
    const queued = await acceptSubmission(deps, { raw, received, mailFrom, session, st });
    logAccepted(deps, kind, session, st, { size: raw.length, mailFrom, recipients: rcpts.length, messageId: queued });
    return `queued as ${queued}`;
  } catch (err) {
    if (err instanceof SmtpError) throw err;
    if (/^(ENOSPC|53100)$/.test(String((err as { code?: unknown }).code ?? (err as { cause?: { code?: unknown } }).cause?.code))) throw smtpError("storageFull", undefined, { cause: err }); // disk full (PG 53100 / ENOSPC): 452 4.3.1
    deps.log.error({ err, cid: session.id }, "storing message failed");
    throw smtpError("localError", undefined, { cause: err });
  }
}

/** The Message-ID header, or undefined (also for a header past the parse limits: it is stored as is). */
function messageIdOf(raw: Buffer): string | undefined {
  try {
    return readHeaderFields(raw).fields.find(([k]) => k.toLowerCase() === "message-id")?.[1]?.trim();
  } catch (err) {
    if (err instanceof ParseLimitError) return undefined;
    throw err;
  }
}
