/** A configuration file that cannot be read or does not validate. */
export class ConfigError extends Error {
  readonly code = "config";
  override name = "ConfigError";
}
