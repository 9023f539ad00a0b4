import { existsSync } from "node:fs";
import { checkConfigFile, configProblemsError, databaseUrlProblem, type Config, type ConfigCheck } from "../config/index.js";
import { parseAllowEntry, readSecretFile, webhookUrlProblem } from "../webhooks/index.js";
import { tlsProblems } from "./tls.js";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Checks a config file as `serve` would use it and lists every problem: the config module's
 * checks (schema, unknown keys, URLs, addresses, files) plus what only the modules know: the
 * webhook URLs and allow-list entries with the very check serve applies at start, the
 * secrets in webhookSecretFiles, and the TLS certificates the listeners need. `config check` and `serve` both run it.
 */
export function checkServeConfig(path: string, env: { DATABASE_URL?: string } = {}): ConfigCheck {
  const r = checkConfigFile(path);
  if (r.raw === null) return r;
  const root = obj(r.raw);
  const problems = [...r.problems];
  const allowHosts = list(obj(root.webhooks).allowHosts).filter((h): h is string => typeof h === "string");
  for (const [i, h] of allowHosts.entries()) {
    try {
      parseAllowEntry(h);
    } catch (err) {
      problems.push(`webhooks.allowHosts.${i}: ${(err as Error).message}`);
    }
  }
  const policy = { allow: allowHosts.filter((h) => tryAllow(h)), allowLoopback: false };
  for (const [i, a] of list(root.accounts).entries()) {
    for (const k of ["incomingWebhook", "outgoingWebhook"] as const) {
      const url = obj(obj(a)[k]).url;
      const p = typeof url === "string" && URL.canParse(url) ? webhookUrlProblem(url, policy) : null;
      if (p) problems.push(`accounts.${i}.${k}.url: ${p} (serve refuses it; webhooks.allowHosts can open a host)`);
    }
    const secretFile = obj(a).webhookSecretFile;
    if (typeof secretFile === "string" && secretFile !== "" && existsSync(secretFile)) {
      try {
        readSecretFile(secretFile);
      } catch (err) {
        problems.push(`accounts.${i}.webhookSecretFile: ${(err as Error).message}`);
      }
    }
  }
  // The certificates each TLS listener needs, read and matched as serve does at start.
  if (r.config) problems.push(...tlsProblems(r.config));
  if (env.DATABASE_URL) {
    const p = databaseUrlProblem(env.DATABASE_URL);
    if (p) problems.push(`DATABASE_URL (environment): ${p}`);
  }
  return { ...r, config: problems.length ? null : r.config, problems: [...new Set(problems)] };
}

/** {@link checkServeConfig}, throwing a ConfigError that lists every problem. */
export function loadServeConfig(path: string, env: { DATABASE_URL?: string } = {}): Config {
  const r = checkServeConfig(path, env);
  if (!r.config) throw configProblemsError(path, r.problems);
  return r.config;
}

function tryAllow(h: string): boolean {
  try {
    parseAllowEntry(h);
    return true;
  } catch {
    return false; // reported above; left out of the policy
  }
}
