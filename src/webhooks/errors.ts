/**
 * Errors of the webhooks module. Each carries a stable `code` so callers (the API error mapping,
 * the queue handler) can branch without matching message text.
 */

/** Stable codes of {@link WebhookError}. */
export type WebhookErrorCode =
  | "webhook_invalid_secret"
  | "webhook_invalid_url"
  | "webhook_destination_refused"
  | "webhook_limiter_misuse"
  | "webhook_not_found"
  | "webhook_not_retired"
  | "webhook_invalid_config";

/** Base class for errors raised by the webhooks module. */
export class WebhookError extends Error {
  /** Stable machine-readable code. */
  readonly code: WebhookErrorCode;

  constructor(code: WebhookErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A signing secret is not of the form `whsec_<base64 of at least 24 bytes>` (user error). */
export class InvalidSecretError extends WebhookError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("webhook_invalid_secret", message, options);
  }
}

/** A webhook URL cannot be used: bad syntax, wrong scheme, or credentials in it (user error). */
export class InvalidWebhookUrlError extends WebhookError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("webhook_invalid_url", message, options);
  }
}

/**
 * The SSRF guard refused a destination: the URL names, or its host resolved to, an internal
 * address that is not allow-listed. `address` is the offending IP when one is known.
 */
export class DestinationRefusedError extends WebhookError {
  /** The refused IP address, or undefined when the refusal was by name (e.g. `localhost`). */
  readonly address: string | undefined;

  constructor(message: string, address?: string) {
    super("webhook_destination_refused", message);
    this.address = address;
  }
}

/** The concurrency limiter was released for a key that holds no slot (fault in the caller). */
export class LimiterMisuseError extends WebhookError {
  constructor(message: string) {
    super("webhook_limiter_misuse", message);
  }
}

/** No webhook with that id in the caller's account (user error). */
export class WebhookNotFoundError extends WebhookError {
  constructor(message: string) {
    super("webhook_not_found", message);
  }
}

/** Redelivery asked for a webhook that is still pending (user error). */
export class WebhookNotRetiredError extends WebhookError {
  constructor(message: string) {
    super("webhook_not_retired", message);
  }
}

/** A webhook setting is unusable: unknown event name, bad filter or paging value (user error). */
export class InvalidWebhookConfigError extends WebhookError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("webhook_invalid_config", message, options);
  }
}
