/**
 * Logging: the pino logger factory. Modules get a child logger passed in (never a global);
 * credentials are redacted by path. Messages are lowercase event phrases with data in fields.
 */
import pino, { type Logger } from "pino";

export type { Logger };

/** Creates the process logger writing JSON lines to stderr (or `destination`). */
export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? "info",
      base: undefined,
      redact: {
        paths: ["password", "*.password", "authorization", "*.authorization", "secret", "*.secret", "secrets"],
        censor: "[redacted]",
      },
    },
    (opts.destination as pino.DestinationStream | undefined) ?? pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that discards everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
