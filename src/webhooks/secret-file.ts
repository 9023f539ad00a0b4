// The config file's `webhookSecretFile`: whsec_ secrets, one per line, newest first.
import { readFileSync } from "node:fs";
import { InvalidSecretError } from "./errors.js";
import { parseSecret } from "./sign.js";

/**
 * Reads a secret file: one `whsec_` secret per line, newest first; blank lines and lines
 * starting with `#` are skipped. Every secret is checked; errors name the file, never a secret.
 */
export function readSecretFile(path: string): string[] {
  const secrets = readFileSync(path, "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  for (const [i, s] of secrets.entries()) {
    try {
      parseSecret(s);
    } catch (err) {
      throw new InvalidSecretError(`reading webhook secret file ${path}: secret ${i + 1}: ${(err as Error).message}`, { cause: err });
    }
  }
  return secrets;
}
