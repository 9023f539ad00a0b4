import { z } from "zod";
import { OUTGOING_EVENT_KINDS } from "../event-kind/index.js";

/**
 * Every configuration field with its description and default. config.example.yaml is
 * generated from this schema (scripts/gen-config-example.ts); a test fails when it is stale.
 */

const duration = (def: string, what: string) =>
  z
    .string()
    .regex(/^(\d+(\.\d+)?(ms|s|m|h|d))+$/, "a duration like 30s, 15m, 168h or 7d")
    .default(def)
    .describe(what);

const certificateFiles = {
  certFile: z.string().default("").describe("PEM certificate chain (leaf first); re-read on SIGHUP."),
  keyFile: z.string().default("").describe("PEM private key matching certFile; re-read on SIGHUP."),
};

const listenerFields = (port: number, what: string) => ({
  enabled: z.boolean().default(true).describe(`Whether the ${what} listener runs.`),
  host: z.string().default("0.0.0.0").describe("Address to listen on."),
  port: z.number().int().min(0).max(65535).default(port).describe("TCP port; 0 picks a free port."),
  tls: z
    .object(certificateFiles)
    .prefault({})
    .describe("This listener's own certificate instead of smtp.tls's (the smtp.tls.sni list still applies); empty: smtp.tls's."),
});

const listener = (port: number, what: string) => z.object(listenerFields(port, what)).prefault({}).describe(`The ${what} listener.`);

const webhookTarget = z
  .object({
    url: z.url({ protocol: /^https?$/ }).describe("http or https URL that receives the POSTs."),
    authorization: z.string().default("").describe("Value sent verbatim as the Authorization header; empty for none."),
  })
  .describe("A webhook destination.");

const outgoingEvents = OUTGOING_EVENT_KINDS;

const accountSchema = z.object({
  name: z.string().min(1).describe("Account name (unique)."),
  fullName: z.string().default("").describe("Display name used in From when a Send request gives none."),
  passwordFile: z
    .string()
    .default("")
    .describe(
      "File holding the account's password (trimmed). Set: the configuration owns the password, applied at every start (edit the file and restart to change it; `postwire account passwd` refuses the account). Empty: `postwire account add|passwd` set it and serve never changes it (docs/administration.md).",
    ),
  addresses: z.array(z.string()).default([]).describe("Email addresses delivered to this account; the first is the login. Each must be in one of the domains."),
  fromIdLoginAddresses: z
    .array(z.string())
    .default([])
    .describe("Login addresses whose sends get a unique MAIL FROM per recipient (FromID), as in mox."),
  keepRetiredMessagePeriod: duration("168h", "How long delivered/failed outgoing messages are kept (DSN matching)."),
  keepRetiredWebhookPeriod: duration("168h", "How long finished webhooks are kept in the delivery log."),
  maxOutgoingMessagesPerDay: z.number().int().min(0).default(1000).describe("Messages the account may send per 24h."),
  maxFirstTimeRecipientsPerDay: z.number().int().min(0).default(200).describe("New recipients the account may send to per 24h."),
  incomingWebhook: webhookTarget.optional().describe("Webhook for every message received into the account."),
  outgoingWebhook: webhookTarget
    .extend({
      events: z
        .array(z.enum(outgoingEvents))
        .default([])
        .describe("Outgoing events to send; empty means mox's eight events (queued only when listed)."),
    })
    .optional()
    .describe("Webhook for delivery events of the account's outgoing mail."),
  webhookSecretFile: z
    .string()
    .default("")
    .describe(
      "File holding the whsec_ signing secret(s), one per line, newest first. A missing file, or one without a secret, gets the account's secret written to it at start (generated once and kept in the database, so every process signs with it). Empty: the secret is generated in the database only (webapi WebhookConfigGet shows it).",
    ),
  categories: z
    .array(
      z
        .string()
        .regex(/^(\*|[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/, "a category name: letters, digits, . _ -, at most 64")
        .refine((c) => c !== "all", "\"all\" is reserved (PreferencesSet's every-category opt-out)"),
    )
    .default([])
    .describe("Category names Send accepts (recipients opt out per category; mail with one gets one-click unsubscribe); \"*\" accepts any name."),
});

const domainSchema = z.object({
  name: z.string().min(1).describe("Domain name hosted here (mail for it is accepted on the MX)."),
  disabled: z.boolean().default(false).describe("A disabled domain refuses mail and cannot send."),
  catchallSeparator: z.string().max(1).default("+").describe("Localpart separator for address variants (a+tag@d)."),
  dkimSelector: z.string().default("postwire").describe("DKIM selector used when signing mail from this domain."),
});

/** Configuration file schema (YAML). */
export const configSchema = z.object({
  hostname: z.string().default("localhost").describe("This host's name: SMTP banner, EHLO, Message-IDs, DSN sender."),
  dataDir: z.string().default("./postwire-data").describe("Directory for the embedded database, keys and certificates."),
  shutdownGrace: duration(
    "30s",
    "On SIGTERM or SIGINT the listeners close at once; SMTP transactions, webapi requests, deliveries and webhook requests under way may finish for this long. What is still running then is cut short and its job handed back (not counted as an attempt) for another process or the next start. A second signal exits at once.",
  ),
  log: z
    .object({
      level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info").describe("Log level."),
    })
    .prefault({})
    .describe("Logging."),
  database: z
    .object({
      url: z
        .string()
        .default("")
        .describe("PostgreSQL URL (postgres:// or postgresql:// only). Empty: embedded PGlite in dataDir. DATABASE_URL overrides it."),
      poolSize: z.number().int().min(1).max(200).default(10).describe("PostgreSQL connections per process."),
    })
    .prefault({})
    .describe("Storage."),
  smtp: z
    .object({
      mx: listener(25, "MX (incoming mail)"),
      submission: z
        .object({
          ...listenerFields(587, "submission (STARTTLS)"),
          allowInsecureAuth: z
            .boolean()
            .default(false)
            .describe("Accept AUTH before STARTTLS, passwords in clear text (tests, or a trusted network only)."),
        })
        .prefault({})
        .describe("The submission (STARTTLS) listener."),
      submissions: listener(465, "submissions (implicit TLS)"),
      tls: z
        .object({
          ...certificateFiles,
          sni: z
            .array(
              z.object({
                names: z.array(z.string().min(1)).min(1).describe("Host names (TLS SNI) this certificate is served for, e.g. mail.example.org."),
                ...certificateFiles,
              }),
            )
            .default([])
            .describe("Certificates picked by the name the client asks for (SNI); other names get certFile."),
        })
        .prefault({})
        .describe(
          "Certificate of every SMTP listener without its own: MX STARTTLS (offered only with a certificate), submission STARTTLS and submissions (both required unless disabled). Never smtp-server's built-in one.",
        ),
      maxMessageSize: z.number().int().min(1024).default(26214400).describe("Largest message accepted, in bytes (552 5.3.4 beyond)."),
      maxRecipients: z.number().int().min(1).default(100).describe("Recipients per message (452 4.5.3 beyond)."),
      maxConnectionsPerIp: z.number().int().min(1).default(20).describe("Concurrent connections per client IP (421 4.7.0 beyond)."),
      maxConnections: z.number().int().min(1).default(2000).describe("Concurrent SMTP connections in total."),
      commandTimeout: duration("5m", "Deadline for one command or the whole DATA phase."),
      sessionTimeout: duration("30m", "Deadline for a whole SMTP session."),
      greetPause: duration(
        "100ms",
        "Wait before the 220 greeting; a client talking earlier is refused (early talker). 0s greets at once.",
      ),
      commitTimeout: duration(
        "30s",
        "Longest the database may take to store a received message; past it the client gets 451 4.3.0 and nothing is kept.",
      ),
    })
    .prefault({})
    .describe("SMTP listeners."),
  authLimits: z
    .object({
      ipPerMinute: z
        .number()
        .int()
        .min(1)
        .default(10)
        .describe("Failed logins (SMTP AUTH, webapi, event stream) per minute from one IP (/32, IPv6 /64); its /26 and /21 (/48, /32) allow 3x and 9x."),
      ipPerDay: z.number().int().min(1).default(50).describe("Failed logins per day from one IP; wider prefixes as above."),
      accountPerMinute: z
        .number()
        .int()
        .min(1)
        .default(30)
        .describe("Failed logins (SMTP AUTH, webapi, event stream) per minute against one account from all IPs; an unknown login is counted by its name."),
      accountPerDay: z.number().int().min(1).default(300).describe("Failed logins per day against one account from all IPs."),
    })
    .prefault({})
    .describe("Failed-login limiter shared by SMTP AUTH and the webapi: past a limit SMTP answers 421 4.7.0 and HTTP 429, even to the right password."),
  http: z
    .object({
      enabled: z.boolean().default(true).describe("Whether the HTTP listener (webapi, events) runs."),
      host: z.string().default("127.0.0.1").describe("Address to listen on."),
      port: z.number().int().min(0).max(65535).default(8080).describe("TCP port."),
      maxRequestSize: z.number().int().min(1024).default(110100480).describe("Largest webapi request body in bytes (refused with a 400 protocol error beyond)."),
      publicUrl: z
        .url({ protocol: /^https?$/ })
        .or(z.literal(""))
        .default("")
        .describe(
          "Base URL browsers reach this listener at (https://mail.example.com, behind a proxy its public address); ConnectionURIs of EventTokenCreate and PushRecipientRegister are built on it (wss:// for https), and the one-click unsubscribe links of categorized mail. Empty: the listener's own address (http://host:port; the hostname when it listens on all addresses) for ConnectionURIs, and no unsubscribe links.",
        ),
      events: z
        .object({
          maxConnections: z.number().int().min(1).default(20000).describe("Event WebSocket subscribers in total (429 beyond)."),
          maxPerIp: z.number().int().min(1).default(1000).describe("Event WebSocket subscribers from one IP address (429 beyond)."),
          maxPerAccount: z.number().int().min(1).default(1000).describe("Event WebSocket subscribers of one account (429 beyond)."),
          handshakesPerIpPerMinute: z.number().int().min(1).default(600).describe("WebSocket upgrade attempts per IP address per minute (429 beyond)."),
        })
        .prefault({})
        .describe("Limits of the event stream (GET /webapi/v0/events)."),
    })
    .prefault({})
    .describe("HTTP listener for /webapi/v0/ and the event WebSocket."),
  ui: z
    .object({
      enabled: z
        .boolean()
        .default(true)
        .describe(
          "Whether the web interface (inbox, message view) is served at / on the HTTP listener. People log in with an account address and password; the session is a signed cookie (its key is made once in the database, shared by every process) and every change is checked against a per-session CSRF token.",
        ),
      sessionLifetime: duration("12h", "How long a login to the web interface lasts."),
      release: z
        .string()
        .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:\[\]]+):\d{1,5}$/, "host:port, [ipv6]:port, or empty")
        .or(z.literal(""))
        .default("")
        .describe(
          "host:port of an SMTP server that the message view's Release button sends a stored message to, unchanged, for one recipient (to see it in a real mail client). STARTTLS is opportunistic; no SMTP AUTH. Empty: no Release button.",
        ),
    })
    .prefault({})
    .describe("The web interface for reading the mail the server holds."),
  metrics: z
    .object({
      enabled: z
        .boolean()
        .default(true)
        .describe("Prometheus metrics at /metrics (prom-client). /healthz and /readyz are served either way."),
      tokenFile: z
        .string()
        .default("")
        .describe("File holding a bearer token that /metrics requires (Authorization: Bearer <token>); empty: no token."),
      listener: z
        .object({
          enabled: z
            .boolean()
            .default(false)
            .describe("Serve /metrics, /healthz and /readyz on a listener of their own; false: on the http listener."),
          host: z.string().default("127.0.0.1").describe("Address to listen on."),
          port: z.number().int().min(0).max(65535).default(9464).describe("TCP port."),
        })
        .prefault({})
        .describe("A separate listener for the operations endpoints (keeps them off the webapi's address)."),
    })
    .prefault({})
    .describe("Metrics and health endpoints (docs/operations.md lists every metric)."),
  queue: z
    .object({
      concurrency: z.number().int().min(1).default(10).describe("Outgoing deliveries in flight."),
      lockTimeout: duration(
        "15s",
        "Lease of a claimed delivery or webhook job: the process working on it renews it every third of this, so a job whose process died is taken over by another process (or the next start) once this has passed. Process clocks must agree to well within it.",
      ),
      timeScale: z.number().min(1).default(1).describe("Divide every retry wait by this (tests and localserve)."),
    })
    .prefault({})
    .describe("Delivery and webhook queue."),
  delivery: z
    .object({
      smarthost: z
        .string()
        .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:\[\]]+):\d{1,5}$/, "host:port, [ipv6]:port, or empty")
        .or(z.literal(""))
        .default("")
        .describe(
          "host:port ([ipv6]:port for an IPv6 literal) that receives every outgoing message instead of the recipient domain's MX (mox: a smarthost transport); a name is resolved through the normal resolver. STARTTLS is opportunistic (unverified) as for an MX; SMTP AUTH to the smarthost is not supported. Mail to the domains hosted here never goes to it: it is handed to this server's own MX listener (to the domain's MX when that listener is off). Empty: deliver to the MX.",
        ),
    })
    .prefault({})
    .describe("Outgoing delivery."),
  webhooks: z
    .object({
      concurrencyPerUrl: z.number().int().min(1).default(4).describe("Webhook requests in flight per URL."),
      concurrency: z.number().int().min(1).default(64).describe("Webhook requests in flight in total."),
      timeout: duration("30s", "Timeout of one webhook request."),
      allowHosts: z
        .array(z.string())
        .default([])
        .describe("host or host:port allowed even when it resolves to a private or loopback address."),
    })
    .prefault({})
    .describe("Webhook delivery."),
  domains: z.array(domainSchema).default([]).describe("Hosted domains, created or updated at start."),
  accounts: z.array(accountSchema).default([]).describe("Accounts, created or updated at start."),
});

/** Parsed, defaulted configuration. */
export type Config = z.infer<typeof configSchema>;
export type AccountConfig = z.infer<typeof accountSchema>;
export type DomainConfig = z.infer<typeof domainSchema>;
export { outgoingEvents };
