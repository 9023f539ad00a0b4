import { readFileSync } from "node:fs";

/** A command line that cannot run as given (unknown command or option, missing argument): exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Exit codes of the commands (README "Commands", docs/administration.md); serve and localserve also exit 130 on a second signal (signals.ts). */
export const exitCodes = {
  /** The command did what it was asked (serve: stopped cleanly after SIGTERM/SIGINT). */
  ok: 0,
  /** The command ran and failed: invalid configuration, database unreachable, refused change. */
  failed: 1,
  /** Bad command line: unknown command or option, missing argument. */
  usage: 2,
} as const;

/** Postwire's version, from package.json (beside both src/ and dist/). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
