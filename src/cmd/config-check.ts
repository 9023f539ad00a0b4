import { loadConfigFile } from "../config/index.js";

/** `postwire config check FILE`: validates a config file; errors name the field path. */
export function configCheckCommand(file: string): void {
  loadConfigFile(file);
  process.stdout.write(`${file}: ok\n`);
}
