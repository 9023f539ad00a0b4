import { checkServeConfig } from "../app/index.js";

/**
 * `postwire config check FILE`: checks a config file as serve would use it and lists every
 * problem on stderr, each with its field path; exit code 1 when there is any.
 */
export function configCheckCommand(file: string): void {
  const r = checkServeConfig(file, { DATABASE_URL: process.env.DATABASE_URL });
  if (r.problems.length) {
    const n = r.problems.length;
    throw new Error(`${file}: ${n} problem${n === 1 ? "" : "s"}:\n${r.problems.map((p) => `  ${p}`).join("\n")}`);
  }
  process.stdout.write(`${file}: ok\n`);
}
