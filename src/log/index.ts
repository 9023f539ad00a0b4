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
  /** Where lines go; default the file descriptor `fd`. */
  destination?: NodeJS.WritableStream;
  /** 1 (stdout, the default: `serve` and `localserve`) or 2 (stderr: commands whose stdout is their answer). */
  fd?: 1 | 2;
  /** Human-readable lines (pino-pretty) instead of JSON; default: when stdout is a terminal. */
  pretty?: boolean;
};

/**
 * Creates the process logger: JSON lines on stdout, or pino-pretty's coloured lines when stdout
 * is a terminal (localserve in a shell). Log collectors (journald, container runtimes) read
 * stdout; nothing else is written there by `serve` or `localserve`.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const fd = opts.fd ?? 1;
  const pretty = opts.pretty ?? (opts.destination === undefined && (fd === 1 ? process.stdout : process.stderr).isTTY === true);
  const options: pino.LoggerOptions = {
    level: opts.level ?? "info",
    base: undefined,
    redact: {
      paths: ["password", "*.password", "authorization", "*.authorization", "secret", "*.secret", "secrets"],
      censor: "[redacted]",
    },
  };
  if (pretty) return pino(options, prettyStream(fd, opts.destination));
  return pino(options, (opts.destination as pino.DestinationStream | undefined) ?? pino.destination({ dest: fd, sync: false }));
}

/** pino-pretty as an in-process stream (no worker thread); loaded only when a terminal asks for it. */
function prettyStream(fd: 1 | 2, destination?: NodeJS.WritableStream): pino.DestinationStream {
  const require = createRequire(import.meta.url);
  const build = require("pino-pretty") as (o: Record<string, unknown>) => pino.DestinationStream;
  return build({ colorize: destination === undefined, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", destination: destination ?? fd, sync: false });
}

/** A logger that discards everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
