/**
 * Send (docs/contract.md §1.3, §1.6): checks in mox's order (missingBody, multipleFrom, badAddress,
 * domainDisabled/badFrom, noRecipients, send limits, composition, FutureRelease), then one
 * transaction that queues a message per recipient (To, CC, BCC order) and stores the Sent copy.
 */
import { randomBytes } from "node:crypto";
import { formatAddress, formatReceived, parseAddress, type EmailAddress } from "../../smtp/index.js";
import { findAddressOwner, findMailbox, insertMessage } from "../../store/index.js";
import { parseMessage } from "../../message/index.js";
import { defaultMaxMessageSize, type ApiDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { defineMethod, type ApiMethod, type CallContext } from "../registry.js";
import { sendRequestT, sendResultT, type NameAddress, type SendRequest } from "../types.js";
import { isZeroTime } from "../wire.js";
import { sharedGroupCommit } from "../../db/index.js";
import { composeSend, sentCopy, type ComposeSettings } from "./send-compose.js";
import { sendTags } from "./send-categories.js";
import { isIdempotentRepeat, priorAnswer, sendIdempotency, type SendIdempotency } from "./send-idempotency.js";

/** Statement budget of Send's transaction. */
const sendBudgetMs = 30_000;

/** The longest FutureRelease ahead of now (mox queue.FutureReleaseIntervalMax, 60 days). */
export const maxFutureReleaseMs = 60 * 24 * 3600_000;

function parseNamed(a: NameAddress): EmailAddress {
  try {
    return parseAddress(a.Address);
  } catch (err) {
    throw new ApiError("badAddress", err instanceof Error ? err.message : `parsing address ${JSON.stringify(a.Address)}`, { cause: err });
  }
}

/** The Send method. */
export function sendRoutes(deps: ApiDeps): ApiMethod[] {
  const { db } = deps.database;
  const settings: ComposeSettings = {
    hostname: deps.hostname,
    userAgent: `postwire/${deps.version}`,
    maxMessageSize: deps.maxMessageSize ?? defaultMaxMessageSize,
    now: () => new Date(deps.clock.now()),
  };
  const parseRaw = deps.parse ?? ((raw: Buffer) => parseMessage(raw));

  async function checkFrom(call: CallContext, from: EmailAddress): Promise<void> {
    const address = `${from.localpart}@${from.domain}`;
    // Sending as the login address (the usual case): authentication looked it up already.
    const owner = call.login?.address === address ? call.login.owner : await findAddressOwner(db, address);
    const ours = owner !== null && owner.account.id === call.account.id;
    if (ours && owner.domain.disabled) throw new ApiError("domainDisabled", `domain ${from.domain} is disabled`);
    if (!ours) throw new ApiError("badFrom", "from-address not configured for account");
  }

  async function send(call: CallContext, req: SendRequest) {
    // With an IdempotencyKey the Send runs as usual and stores its answer in its transaction; a
    // key answered before (committed, or by a concurrent Send this one waited for) refuses the
    // store, this Send rolls back and the first answer is returned. Any other refusal of a
    // repeat (say the daily limit reached since) also yields the first answer. The common
    // first use thus costs one pipelined statement, no extra round trip.
    const idem = sendIdempotency(call, req);
    try {
      return await sendOnce(call, req, idem);
    } catch (err) {
      if (!idem || !(isIdempotentRepeat(err) || err instanceof ApiError)) throw err;
      const answer = await priorAnswer(deps.delivery.idempotency, db, call.account.id, idem, new Date(deps.clock.now()));
      if (!answer) throw err;
      return answer;
    }
  }

  async function sendOnce(call: CallContext, req: SendRequest, idem: SendIdempotency | null) {
    if (req.Text === "" && req.HTML === "") throw new ApiError("missingBody", "at least text or html body required");
    if (req.From.length > 1) throw new ApiError("multipleFrom", "multiple from-addresses not allowed");
    const from: NameAddress = req.From[0] ?? { Name: call.account.fullName, Address: call.loginAddress };
    const fromAddr = parseNamed(from);
    const rcpts = [...req.To, ...req.CC, ...req.BCC];
    rcpts.forEach(parseNamed);
    await checkFrom(call, fromAddr);
    if (rcpts.length === 0) throw new ApiError("noRecipients", "no recipients");
    const tags = sendTags(call.account, req);
    const recipients = rcpts.map((r) => r.Address);
    const limit = await deps.delivery.checkSendLimits(db, call.account, recipients);
    if (limit === "messageLimitReached") throw new ApiError(limit, "outgoing message rate limit reached");
    if (limit === "recipientLimitReached") throw new ApiError(limit, "outgoing new recipient rate limit reached");

    const composed = composeSend(req, from, call.files, settings);
    const futureRelease = isZeroTime(req.FutureRelease) ? null : req.FutureRelease;
    if (futureRelease && futureRelease.getTime() - deps.clock.now() > maxFutureReleaseMs) {
      throw new ApiError("user", "scheduling delivery: date/time can not be further than 1440h0m0s in the future");
    }
    // The queued copy gets our Received field, as mox's Send writes it: our own name (the
    // client's address is not told to recipients), an id, the recipient when there is one.
    const received = formatReceived({
      from: deps.hostname,
      by: deps.hostname,
      id: randomBytes(9).toString("base64url"),
      for: recipients.length === 1 ? recipients[0] : undefined,
      date: deps.clock.now(),
    });
    const queued = Buffer.concat([Buffer.from(received), composed.raw]);
    // Parse the Sent copy before the transaction: no slow work while holding it.
    const sent = req.SaveSent ? sentCopy(composed, req, from, settings) : null;
    const sentParsed = sent ? await parseRaw(sent) : null;

    // Concurrent Sends share one transaction (group commit). A stalled database ends in a
    // rollback and 503, never in a commit after the client gave up (docs/guarantees.md E7), as on the
    // SMTP side: the batch runs under the statement budget.
    const result = await sharedGroupCommit(db, sendBudgetMs).run(async (tx) => {
      const subs = await deps.delivery.submit(tx, {
        accountId: call.account.id,
        account: call.account,
        loginAddress: call.loginAddress,
        from: formatAddress(fromAddr),
        recipients,
        raw: queued,
        messageId: composed.messageId,
        subject: req.Subject,
        extra: { ...req.Extra },
        requireTls: req.RequireTLS,
        futureRelease,
        fromId: null,
        source: "webapi",
        ...tags,
      });
      const answer = { MessageID: composed.messageId, Submissions: subs.map((s) => ({ Address: s.address, QueueMsgID: s.queueMsgId, FromID: s.fromId })) };
      const saveSent = async () => {
        if (!sent || !(await findMailbox(tx, call.account.id, { role: "sent" }))) return;
        await insertMessage(tx, {
          accountId: call.account.id,
          mailbox: { role: "sent" },
          raw: sent,
          envelope: { mailFrom: "", rcptTo: "", remoteIp: "", helo: "", tls: false, authUser: call.loginAddress, listener: "webapi" },
          msgFrom: formatAddress(fromAddr),
          subject: req.Subject,
          messageIdHeader: composed.messageId,
          parsed: sentParsed?.ok ? (sentParsed as unknown as Record<string, unknown>) : null,
          parseError: sentParsed && !sentParsed.ok ? `${sentParsed.error.code}: ${sentParsed.error.message}` : null,
          flags: ["\\seen", "$notjunk"],
        });
      };
      const stored = idem && { requestHash: idem.hash, response: JSON.stringify(answer), createdAt: new Date(deps.clock.now()) };
      // Independent: pipelined on the transaction's connection.
      await Promise.all([saveSent(), stored && deps.delivery.idempotency.record(tx, call.account.id, idem.key, stored)]);
      return answer;
    });
    deps.delivery.wake();
    return result;
  }

  return [
    defineMethod({
      name: "Send",
      summary: "Composes a message and queues it for delivery to every To, CC and BCC recipient.",
      request: sendRequestT,
      response: sendResultT,
      handle: send,
    }),
  ];
}
