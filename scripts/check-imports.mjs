#!/usr/bin/env node
// Checks the import rules of docs/architecture.md over src/ (non-test files): imports go to
// lower layers only (with the few same-layer exceptions), nothing imports app/, cmd/ or
// localserve/, and cross-module imports go through the module's index.ts. dependency-cruiser
// cannot parse TypeScript 7 sources (no compiler API), so this reads import lines directly.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, dirname, normalize } from "node:path";

const layers = {
  smtp: 0, message: 0, dsn: 0, dns: 0, clock: 0, "event-kind": 0, fault: 0,
  config: 1, log: 1, metrics: 1, db: 1, "mail-auth": 1,
  auth: 2, store: 2, events: 2, queue: 2,
  inbound: 3, delivery: 3, webhooks: 3, push: 3,
  api: 4, websocket: 4, ui: 4,
  app: 5, localserve: 5, cmd: 5,
};
const sameLayer = { message: ["smtp"], dsn: ["message", "smtp"], db: ["config", "log"], "mail-auth": ["dns"] };
// Files that are a module's public face besides index.ts (schema tables are read by owners' queries).
const faces = [/^db\/schema\//];

function walk(dir, out = []) {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mjs)$/.test(n) && !n.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const problems = [];
for (const file of walk("src")) {
  const rel = relative("src", file);
  const from = rel.split("/")[0];
  if (!(from in layers)) continue;
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
    const spec = m[1] ?? m[2];
    const target = normalize(join(dirname(rel), spec));
    const to = target.split("/")[0];
    if (to === from || !(to in layers)) continue;
    const where = `${rel}: imports ${spec}`;
    if (["app", "cmd", "localserve"].includes(to) && !["app", "cmd", "localserve"].includes(from)) problems.push(`${where} (nothing imports ${to}/)`);
    const ok = layers[to] < layers[from] || (sameLayer[from] ?? []).includes(to);
    if (!ok && layers[from] < 5) problems.push(`${where} (${from} is layer ${layers[from]}, ${to} is layer ${layers[to]})`);
    const inner = target.slice(to.length + 1);
    if (!/^index\.(js|ts)$/.test(inner) && !faces.some((f) => f.test(target))) problems.push(`${where} (go through ${to}/index.ts)`);
  }
}
if (problems.length) {
  console.error(problems.join("\n"));
  console.error(`${problems.length} import rule violation(s)`);
  process.exit(1);
}
console.log("import rules: ok");
