import type { Clock } from "../clock/index.js";
import type { Database } from "../db/index.js";
import type { EventLog } from "../events/index.js";
import {
  cancelPush,
  checkTopic,
  listPushGlobals,
  listPushMessages,
  pushGlobalMessage,
  pushMessage,
  registerRecipient,
  type CancelRequest,
  type GlobalPushRequest,
  type PushGlobalListItem,
  type PushListItem,
  type PushListRequest,
  type PushRequest,
} from "../push/index.js";
import { EventStreamError } from "./errors.js";
import { createEventToken, tokenLifetime } from "./tokens.js";

/** What PushRecipientRegister asks for; `expires` null means the default token lifetime. */
export type PushRegisterRequest = {
  recipient: string;
  origin: string;
  sourceIp: string;
  topics: readonly string[];
  expires: Date | null;
  /** Mail addresses whose events the same connection also carries (empty: none). */
  addresses: readonly string[];
};

/**
 * What the webapi's push methods call (injected by app/: api and websocket are peers). The
 * token of a registered recipient is an event-stream token, so one connection carries its
 * pushes and, when asked, mail events.
 */
export type PushMethods = {
  register(accountId: number, req: PushRegisterRequest): Promise<{ token: string; expires: Date }>;
  push(accountId: number, req: PushRequest): Promise<{ recipient: string; pushId: number }[]>;
  pushGlobal(accountId: number, req: GlobalPushRequest): Promise<number>;
  cancel(accountId: number, req: CancelRequest): Promise<{ cancelledAt: Date }>;
  list(accountId: number, req: PushListRequest): Promise<{ items: PushListItem[]; nextToken: string }>;
  listGlobal(accountId: number, req: PushGlobalListRequest): Promise<{ items: PushGlobalListItem[]; nextToken: string }>;
};

/** The filters of PushGlobalMessageList (the same as PushMessageList's). */
export type PushGlobalListRequest = PushListRequest;

/** Builds {@link PushMethods} over the database, the log and the clock. */
export function createPushMethods(deps: { database: Database; eventLog: EventLog; clock: Clock }): PushMethods {
  const db = deps.database.db;
  const now = () => new Date(deps.clock.now());
  return {
    async register(accountId, req) {
      const topics = req.topics.map(checkTopic).filter((t) => t !== "");
      if (topics.length > 100) throw new EventStreamError("badRequest", "at most 100 topics");
      let validSeconds = 0;
      if (req.expires) {
        validSeconds = Math.ceil((req.expires.getTime() - deps.clock.now()) / 1000);
        if (validSeconds < 1) throw new EventStreamError("badRequest", "Expires is in the past");
        if (validSeconds > tokenLifetime.maxSeconds) throw new EventStreamError("badRequest", `Expires is more than ${tokenLifetime.maxSeconds / 86_400} days ahead`);
      }
      // One transaction: a refused token request (bad origin, foreign address) registers nobody.
      const { token, expires } = await db.transaction(async (tx) => {
        const pushRecipientId = await registerRecipient(tx, accountId, req.recipient);
        const grant = { addresses: req.addresses, kinds: [], origin: req.origin, sourceIp: req.sourceIp, validSeconds, pushRecipientId, topics };
        return createEventToken({ db: tx, clock: deps.clock }, accountId, grant);
      });
      return { token, expires };
    },
    push: (accountId, req) => pushMessage(deps, accountId, req),
    pushGlobal: (accountId, req) => pushGlobalMessage(deps, accountId, req),
    cancel: (accountId, req) => cancelPush(db, accountId, req, now()),
    list: (accountId, req) => listPushMessages(db, accountId, req, now()),
    listGlobal: (accountId, req) => listPushGlobals(db, accountId, req, now()),
  };
}
