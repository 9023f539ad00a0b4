import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { configSchema, type Config } from "./schema.js";
import { semanticProblems } from "./check.js";
import { ConfigError } from "./errors.js";
import { unknownKeys } from "./unknown-keys.js";

/** The outcome of checking a configuration: the parsed config when the schema accepts it, and every problem. */
export type ConfigCheck = { config: Config | null; raw: unknown; problems: string[] };

/**
 * Checks a YAML configuration text and lists every problem, each naming its field path:
 * schema errors, unknown keys (with a "did you mean"), and, unless `files` is false, what the
 * schema cannot see (database URL scheme, addresses and their domains, the files it names).
 */
export function checkConfigText(text: string, o: { files?: boolean } = {}): ConfigCheck {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    return { config: null, raw: null, problems: [`invalid YAML: ${(err as Error).message}`] };
  }
  const { config, problems } = schemaCheck(raw);
  if (o.files !== false) problems.push(...semanticProblems(raw));
  return { config, raw, problems };
}

function schemaCheck(raw: unknown): { config: Config | null; problems: string[] } {
  const r = configSchema.safeParse(raw);
  const problems = r.success
    ? []
    : r.error.issues.filter((i) => i.code !== "unrecognized_keys").map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  problems.push(...unknownKeys(configSchema, raw));
  return { config: r.success && problems.length === 0 ? r.data : null, problems };
}

/** The error that lists a configuration's problems. */
export function configProblemsError(source: string, problems: string[]): ConfigError {
  const n = problems.length;
  return new ConfigError(`${source}: invalid configuration (${n} problem${n === 1 ? "" : "s"}):\n${problems.map((p) => `  ${p}`).join("\n")}`);
}

/** Parses and validates a YAML config text against the schema; errors name the field path. */
export function parseConfig(text: string, source = "config"): Config {
  const r = checkConfigText(text, { files: false });
  if (!r.config) throw configProblemsError(source, r.problems);
  return r.config;
}

/** Validates an already-parsed object against the schema (unknown keys refused), applying defaults. */
export function validateConfig(raw: unknown, source = "config"): Config {
  const r = schemaCheck(raw);
  if (!r.config) throw configProblemsError(source, r.problems);
  return r.config;
}

/** Reads a config file and checks it fully ({@link checkConfigText}); a missing file is a problem too. */
export function checkConfigFile(path: string): ConfigCheck {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return { config: null, raw: null, problems: [`reading config file: ${(err as Error).message}`] };
  }
  return checkConfigText(text);
}

/** Reads and fully checks a config file; throws a ConfigError listing every problem. */
export function loadConfigFile(path: string): Config {
  const r = checkConfigFile(path);
  if (!r.config || r.problems.length) throw configProblemsError(path, r.problems);
  return r.config;
}

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Converts a duration string like "1h30m" or "7.5m" to milliseconds. */
export function durationMs(d: string): number {
  let total = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * (units[m[2]!] ?? 0);
  return total;
}
