/**
 * Configuration: the schema (with a description and default per field), YAML loading with errors
 * that name the field path (unknown keys, URLs, addresses, referenced files: every problem at
 * once), and the generated example file. Only cmd/ loads config; modules get
 * typed slices of it.
 */
export { configSchema, outgoingEvents, type Config, type AccountConfig, type DomainConfig } from "./schema.js";
export {
  parseConfig,
  validateConfig,
  loadConfigFile,
  checkConfigFile,
  checkConfigText,
  configProblemsError,
  durationMs,
  type ConfigCheck,
} from "./load.js";
export { databaseUrlProblem } from "./check.js";
export { renderConfigExample } from "./example.js";
export { ConfigError } from "./errors.js";
