#!/usr/bin/env node
/**
 * The `postwire` command: parses argv (cmd/cli.ts) and runs one command of cmd/commands.ts.
 * Exit codes: 0 done, 1 the command failed, 2 bad command line (cmd/usage.ts).
 */
import { commandUsage, parseCommandLine } from "./cmd/cli.js";
import { exitCodes, UsageError } from "./cmd/usage.js";

// A command's module is imported only when it runs: the server's dependency graph (SMTP, HTTP,
// mail parsing and authentication, database drivers) is most of the start-up time, and `--help`
// or `config check` need little of it.

async function main(argv: string[]): Promise<void> {
  let p: ReturnType<typeof parseCommandLine>;
  try {
    p = parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError && !err.message.includes("--help")) err.message += "\n(postwire --help lists the commands)";
    throw err;
  }
  if ("print" in p) {
    process.stdout.write(p.print);
    return;
  }
  try {
    await p.command.run(p.values, p.positionals);
  } catch (err) {
    if (err instanceof UsageError) err.message = `${err.message}\n\n${commandUsage(p.command)}`;
    throw err;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`postwire: ${message.trimEnd()}\n`);
  process.exit(err instanceof UsageError ? exitCodes.usage : exitCodes.failed);
});
