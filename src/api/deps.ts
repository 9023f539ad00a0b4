/**
 * What the webapi needs from the rest of the server, injected by `app/`. Only the delivery
 * methods the API calls are required, so a caller can hand over the whole service.
 */
import type { Logger } from "pino";
import type { AuthLimiter } from "../auth/index.js";
import type { Clock } from "../clock/index.js";
import type { Database } from "../db/index.js";
import type { Delivery } from "../delivery/index.js";
import type { EventLog } from "../events/index.js";
import type { WebhookSummary } from "../webhooks/index.js";
import type { ParseResult } from "../message/index.js";
import type { ApiMethod } from "./registry.js";

/** The parts of the delivery service the webapi calls (submit, limits, suppressions, idempotency keys, queue admin, wake). */
export type DeliveryApi = Pick<Delivery, "submit" | "checkSendLimits" | "suppressions" | "idempotency" | "preferences" | "lookup" | "unsubscribe" | "admin" | "wake">;

/** Dependencies of {@link createApi}. */
export type ApiDeps = {
  database: Database;
  log: Logger;
  clock: Clock;
  eventLog: EventLog;
  delivery: DeliveryApi;
  /** Failed-auth limiter shared with SMTP AUTH. */
  limiter: AuthLimiter;
  /** This host's name: generated Message-IDs. */
  hostname: string;
  /** Largest request body in bytes; larger requests are refused (`protocol`) as soon as that is known. */
  maxRequestSize: number;
  /** Postwire version, for the index page and the default User-Agent of sent mail. */
  version: string;
  /** The listener sits behind a reverse proxy: client IP from X-Forwarded-For, else 500. */
  trustForwarded?: boolean;
  /** Largest composed message for Send (mox SMTPMaxMessageSize); default {@link defaultMaxMessageSize}. */
  maxMessageSize?: number;
  /** Where the API is mounted; default `/webapi`. */
  mountPath?: string;
  /** Parses messages (SaveSent copies); default: message's shared parser pool. */
  parse?: (raw: Buffer) => Promise<ParseResult>;
  /** The outgoing webhooks about one sent message (QueueGet's timeline); none listed when absent. */
  messageWebhooks?: (accountId: number, queueMsgId: number) => Promise<WebhookSummary[]>;
  /** Methods contributed by other modules' route files, registered next to the built-in ones. */
  methods?: readonly ApiMethod[];
};

/** mox's default SMTPMaxMessageSize (100 MiB), Send's limit when none is configured. */
export const defaultMaxMessageSize = 100 << 20;
