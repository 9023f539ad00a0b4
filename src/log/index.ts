/**
 * Logging: the pino logger factory. Modules get a child logger passed in (never a global);
 * credentials are redacted by path. Messages are lowercase event phrases with data in fields;
 * the stable vocabulary (one line per accepted message, delivery attempt, webhook attempt,
 * failed login, recovered lock) is listed in docs/operations.md.
 */
import { createRequire } from "node:module";
import pino, { type Logger } from "pino";

export type { Logger };

/** Options of {@link createLogger}. */
export type LoggerOptions = {
  level?: string;
  /** Where lines go; default stdout (fd 1). */
  destination?: NodeJS.WritableStream;
  /** Human-readable lines (pino-pretty) instead of JSON; default: when stdout is a terminal. */
  pretty?: boolean;
};

/**
 * Creates the process logger: JSON lines on stdout, or pino-pretty's coloured lines when stdout
 * is a terminal (localserve in a shell). Log collectors (journald, container runtimes) read
 * stdout; nothing else is written there by `serve` or `localserve`.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const pretty = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true);
  const options: pino.LoggerOptions = {
    level: opts.level ?? "info",
    base: undefined,
    redact: {
      paths: ["password", "*.password", "authorization", "*.authorization", "secret", "*.secret", "secrets"],
      censor: "[redacted]",
    },
  };
  if (pretty) return pino(options, prettyStream(opts.destination));
  return pino(options, (opts.destination as pino.DestinationStream | undefined) ?? pino.destination({ dest: 1, sync: false }));
}

/** pino-pretty as an in-process stream (no worker thread); loaded only when a terminal asks for it. */
function prettyStream(destination?: NodeJS.WritableStream): pino.DestinationStream {
  const require = createRequire(import.meta.url);
  const build = require("pino-pretty") as (o: Record<string, unknown>) => pino.DestinationStream;
  return build({ colorize: destination === undefined, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", destination: destination ?? 1, sync: false });
}

/** A logger that discards everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
