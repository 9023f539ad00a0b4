/**
 * What the web interface needs from the rest of the server, injected by `app/`.
 */
import type { Logger } from "pino";
import type { AuthLimiter } from "../auth/index.js";
import type { Clock } from "../clock/index.js";
import type { Database } from "../db/index.js";
import type { QueueAdmin } from "../delivery/index.js";
import type { WebhookMethods } from "../webhooks/index.js";
import type { ParseResult } from "../message/index.js";

/** Dependencies of {@link createUi}. */
export type UiDeps = {
  database: Database;
  log: Logger;
  clock: Clock;
  /** Failed-auth limiter shared with SMTP AUTH and the webapi (login form). */
  limiter: AuthLimiter;
  /** Secret that signs session cookies and CSRF tokens (32 random bytes, kept in the data dir). */
  sessionKey: Buffer;
  /** How long a login lasts, in milliseconds. */
  sessionLifetimeMs: number;
  /**
   * The account shown without a login to clients connecting from a loopback address, by a
   * loopback host name (localserve). Absent: everyone logs in.
   */
  openAccount?: () => number;
  /**
   * Mints an event-stream token (the WebSocket at /webapi/v0/events) for the page's origin,
   * so the inbox can update live without basic-auth credentials in the browser.
   */
  mintEventToken(accountId: number, origin: string, sourceIp: string): Promise<string>;
  /** Parses a message whose stored parse is missing. */
  parse?: (raw: Buffer) => Promise<ParseResult>;
  /** The outgoing queue (Outgoing screens: list, timeline, retry now, cancel). */
  queue?: Pick<QueueAdmin, "list" | "retryNow" | "release" | "drop">;
  /** The webhook log (per message, log, redeliver, test event). */
  webhooks?: WebhookMethods;
  /**
   * Sends a stored message unchanged to one address on the configured release server (the
   * message view's Release button); absent when none is configured.
   */
  release?: (m: { raw: Buffer; mailFrom: string; to: string }) => Promise<{ ok: boolean; detail: string }>;
  /** Postwire version, shown in the footer. */
  version: string;
};
