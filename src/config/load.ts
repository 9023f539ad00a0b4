import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { configSchema, type Config } from "./schema.js";
import { ConfigError } from "./errors.js";

/** Parses and validates a YAML config text; errors name the field path. */
export function parseConfig(text: string, source = "config"): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(`${source}: invalid YAML: ${(err as Error).message}`, { cause: err });
  }
  return validateConfig(raw, source);
}

/** Validates an already-parsed object against the schema, applying defaults. */
export function validateConfig(raw: unknown, source = "config"): Config {
  const r = configSchema.strict().safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ConfigError(`${source}: invalid configuration:\n${lines.join("\n")}`);
  }
  return r.data;
}

/** Reads, parses and validates a config file. */
export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`reading config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseConfig(text, path);
}

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Converts a duration string like "1h30m" or "7.5m" to milliseconds. */
export function durationMs(d: string): number {
  let total = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * (units[m[2]!] ?? 0);
  return total;
}
