import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseAddress, parseDomain } from "../smtp/index.js";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * What the schema cannot see, checked on the raw (parsed YAML) configuration so that every
 * problem is found even when other fields are invalid: the database URL's scheme, addresses
 * (valid, inside the listed domains, owned once), and the files the configuration names.
 */
export function semanticProblems(raw: unknown): string[] {
  const root = obj(raw) ?? {};
  return [...databaseProblems(root), ...addressProblems(root), ...fileProblems(root, [])];
}

/** The problem with a PostgreSQL URL, or null. Only postgres:// and postgresql:// are accepted. */
export function databaseUrlProblem(url: string): string | null {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  if (!scheme || !/^postgres(ql)?$/i.test(scheme)) return `must be a postgres:// or postgresql:// URL, got ${scheme ? `${scheme}://...` : "no scheme"}`;
  try {
    new URL(url);
  } catch {
    return "is not a valid URL"; // the URL itself may hold a password: not repeated
  }
  return null;
}

function databaseProblems(root: Obj): string[] {
  const url = obj(root.database)?.url;
  if (typeof url !== "string" || url === "") return [];
  const p = databaseUrlProblem(url);
  return p ? [`database.url: ${p}`] : [];
}

function addressProblems(root: Obj): string[] {
  const out: string[] = [];
  const domains = new Set<string>();
  for (const [i, d] of list(root.domains).entries()) {
    const name = obj(d)?.name;
    if (typeof name !== "string") continue;
    try {
      const n = parseDomain(name);
      if (domains.has(n)) out.push(`domains.${i}.name: ${name} is listed twice`);
      domains.add(n);
    } catch (err) {
      out.push(`domains.${i}.name: ${JSON.stringify(name)} is not a valid domain (${(err as Error).message})`);
    }
  }
  const owners = new Map<string, string>();
  const names = new Set<string>();
  for (const [i, a] of list(root.accounts).entries()) {
    const acc = obj(a) ?? {};
    const name = typeof acc.name === "string" ? acc.name : `#${i}`;
    if (names.has(name)) out.push(`accounts.${i}.name: account ${name} is listed twice`);
    names.add(name);
    const own = new Set<string>();
    for (const [j, addr] of list(acc.addresses).entries()) {
      if (typeof addr !== "string") continue;
      const where = `accounts.${i}.addresses.${j}`;
      let parsed: ReturnType<typeof parseAddress>;
      try {
        parsed = parseAddress(addr);
      } catch (err) {
        out.push(`${where}: ${JSON.stringify(addr)} is not an email address (${(err as Error).message})`);
        continue;
      }
      const key = `${parsed.localpart.toLowerCase()}@${parsed.domain}`;
      own.add(key);
      if (!domains.has(parsed.domain)) out.push(`${where}: the domain of ${addr} is not in domains (add ${parsed.domain} there)`);
      const owner = owners.get(key);
      if (owner !== undefined && owner !== name) out.push(`${where}: ${addr} also belongs to account ${owner}`);
      owners.set(key, name);
    }
    for (const [j, addr] of list(acc.fromIdLoginAddresses).entries()) {
      if (typeof addr === "string" && !own.has(addr.toLowerCase())) out.push(`accounts.${i}.fromIdLoginAddresses.${j}: ${addr} is not one of the account's addresses`);
    }
  }
  return out;
}

/**
 * Every non-empty `...File` field: the file must be a readable regular file. A
 * `webhookSecretFile` may be missing (serve writes the generated secret there), but then its
 * folder must exist and be writable. A `passwordFile` must hold a password.
 */
function fileProblems(v: unknown, path: (string | number)[]): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => fileProblems(x, [...path, i]));
  const o = obj(v);
  if (!o) return [];
  const out: string[] = [];
  for (const [k, x] of Object.entries(o)) {
    if (k.endsWith("File") && typeof x === "string" && x !== "") {
      const p = fileProblem(k, x);
      if (p) out.push(`${[...path, k].join(".")}: ${p}`);
    } else out.push(...fileProblems(x, [...path, k]));
  }
  return out;
}

function fileProblem(key: string, file: string): string | null {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && key === "webhookSecretFile") return writableFolder(file);
    return code === "ENOENT" ? `file ${file} does not exist` : `cannot read ${file} (${code})`;
  }
  if (!isFile) return `${file} is not a regular file`;
  try {
    accessSync(file, constants.R_OK);
    if (key === "passwordFile" && readFileSync(file, "utf8").trim() === "") return `${file} is empty (it holds the account's password)`;
  } catch (err) {
    return `cannot read ${file} (${(err as NodeJS.ErrnoException).code})`;
  }
  return null;
}

function writableFolder(file: string): string | null {
  const folder = dirname(resolve(file));
  try {
    accessSync(folder, constants.W_OK);
    return null;
  } catch {
    return `${file} does not exist and its folder ${folder} is not writable (serve writes the generated secret there)`;
  }
}
