/**
 * Webhooks (docs/contract.md §2): per-account settings, the transactional outbox (an event becomes a
 * webhook row and queue job in the transaction that appended it), signed POSTs through the
 * shared job queue with mox's retry schedule, supersede per queue message, the delivery log,
 * redelivery and test POSTs, and the SSRF guard. It does not compose payloads (events/ does)
 * nor serve HTTP (api/ maps its operations). Invariants: no network I/O inside a transaction;
 * an attempt is counted before its POST; `webhook-id` and X-Mox-Webhook-ID never change for a webhook.
 */
export { createWebhooks, type Webhooks, type WebhooksDeps, type WebhooksConfig } from "./service.js";
export {
  DEFAULT_OUTGOING_EVENTS,
  type WebhookConfigInput,
  type WebhookConfigUpdate,
  type WebhookConfigView,
  type WebhookTargetInput,
  type OutgoingTargetInput,
  type TargetView,
} from "./config.js";
export type {
  WebhookMethods,
  WebhookSummary,
  WebhookDetail,
  WebhookListRequest,
  WebhookTestRequest,
  WebhookTestResult,
} from "./methods.js";
export { readSecretFile } from "./secret-file.js";
export { webhookUrlProblem, parseAllowEntry, type DestinationPolicy } from "./ssrf.js";
export { webhookJobKind } from "./outbox.js";
export { MAX_ATTEMPTS, parseRetryAfter } from "./retry-after.js";
export { generateSecret, parseSecret, signatureHeader, verifySignature, SECRET_PREFIX } from "./sign.js";
export {
  WebhookError,
  InvalidSecretError,
  InvalidWebhookUrlError,
  DestinationRefusedError,
  WebhookNotFoundError,
  WebhookNotRetiredError,
  InvalidWebhookConfigError,
  type WebhookErrorCode,
} from "./errors.js";
export type { WebhookAttempt, WebhookKind, WebhookStatus } from "../db/schema/index.js";
