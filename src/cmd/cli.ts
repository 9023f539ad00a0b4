import { parseArgs } from "node:util";
import { commands, type Command } from "./commands.js";
import { packageVersion, UsageError } from "./usage.js";

/** `postwire --help`: every command with its arguments and a one-line summary, and the exit codes. */
export function mainUsage(): string {
  const lines = ["usage: postwire <command> [options]   (postwire <command> --help for its options)", "", "commands:"];
  for (const c of commands) lines.push(`  ${c.name} ${c.args}`, `      ${c.summary}`);
  lines.push(
    "",
    "options:",
    "  --help, -h      show help (also after a command)",
    "  --version       print the version",
    "",
    "exit codes: 0 done, 1 the command failed (invalid configuration, database error, refused change),",
    "            2 bad command line (unknown command or option, missing argument),",
    "            130 serve/localserve: a second SIGTERM or SIGINT during shutdown (exit at once)",
    "",
  );
  return lines.join("\n");
}

/** `postwire <command> --help`: its arguments, details and options. */
export function commandUsage(c: Command): string {
  const lines = [`usage: postwire ${c.name} ${c.args}`, "", c.summary];
  if (c.details) lines.push("", c.details);
  const opts = Object.entries(c.options);
  lines.push("", "options:");
  for (const [k, o] of opts) lines.push(`  ${`--${k}${o.value ? ` ${o.value}` : ""}`.padEnd(26)} ${o.help}${o.multiple ? " (repeatable)" : ""}`);
  lines.push(`  ${"--help, -h".padEnd(26)} show this help`, "");
  return lines.join("\n");
}

/** What argv asks for: a command to run, or text to print. */
export type Parsed = { print: string } | { command: Command; values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };

/** Parses argv (after `postwire`): a command's words, then its options and positionals. */
export function parseCommandLine(argv: string[]): Parsed {
  const [first, second] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const about = first === "help" && second ? findCommand(argv.slice(1)) : null;
    return { print: about ? commandUsage(about.command) : mainUsage() };
  }
  if (first === "--version" || first === "-v" || first === "version") return { print: `postwire ${packageVersion()}\n` };
  const found = findCommand(argv);
  if (!found) {
    const group = commands.filter((c) => c.name.startsWith(`${first} `));
    if (group.length && (second === undefined || second === "--help" || second === "-h")) {
      const list = group.map((c) => `  postwire ${c.name} ${c.args}\n      ${c.summary}`).join("\n");
      if (second) return { print: `commands of ${first}:\n${list}\n` };
      throw new UsageError(`${first} needs a subcommand:\n${list}`);
    }
    if (group.length) throw new UsageError(`unknown command ${first} ${second}; known: ${group.map((c) => c.name).join(", ")}`);
    throw new UsageError(`unknown command ${first}`);
  }
  try {
    return parseCommand(found.command, found.rest);
  } catch (err) {
    if (err instanceof UsageError) err.message += `\n(postwire ${found.command.name} --help shows its arguments and options)`;
    throw err;
  }
}

function parseCommand(command: Command, rest: string[]): Parsed {
  const options = Object.fromEntries(Object.entries(command.options).map(([k, o]) => [k, o.multiple ? { type: o.type, multiple: true } : { type: o.type }]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { ...options, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    throw new UsageError(`${command.name}: ${(err as Error).message}`, { cause: err });
  }
  if (parsed.values.help) return { print: commandUsage(command) };
  const required = command.positionals.filter((p) => !p.startsWith("["));
  if (parsed.positionals.length < required.length) throw new UsageError(`${command.name} needs ${required.join(" ")}`);
  if (parsed.positionals.length > command.positionals.length) throw new UsageError(`${command.name}: unexpected argument ${parsed.positionals[command.positionals.length]}`);
  return { command, values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals };
}

function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  const two = commands.find((c) => c.name === `${argv[0]} ${argv[1]}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = commands.find((c) => c.name === argv[0]);
  return one ? { command: one, rest: argv.slice(1) } : null;
}
