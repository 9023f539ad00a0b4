// Writes the run's report: bench/results/<DATE>[-quick|-partial].md with the machine line, a
// targets table and one table per workload, plus the same data as JSON beside it.
import { cpus, totalmem, release, hostname } from "node:os";
import { mkdirSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { sh } from "./proc.js";
import { pgInfo } from "./pg.js";
import type { Section, Target } from "./types.js";

/** Facts about the machine and the software measured, for the report's first lines. */
export function machineInfo(): Record<string, string> {
  const cpuModel = cpus()[0]?.model.trim() ?? "unknown";
  const pg = pgInfo();
  const postfix = sh("postconf", ["-dh", "mail_version"], { ok: true }).trim();
  // CPU pressure at start tells whether other work shared the cores during the run.
  let cpuPressure = "";
  if (existsSync("/proc/pressure/cpu")) cpuPressure = readFileSync("/proc/pressure/cpu", "utf8").split("\n")[0] ?? "";
  return {
    cpu: cpuModel,
    cores: String(cpus().length),
    ram: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    kernel: release(),
    host: hostname(),
    postgres: pg.ok ? `${pg.version} (fsync=${pg.fsync}, synchronous_commit=${pg.syncCommit})` : pg.reason,
    postfix: postfix || "not installed",
    cpuPressureAtStart: cpuPressure,
  };
}

function esc(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function table(columns: string[], rows: string[][]): string {
  const out = [`| ${columns.map(esc).join(" | ")} |`, `|${columns.map(() => "---").join("|")}|`];
  for (const r of rows) out.push(`| ${r.map(esc).join(" | ")} |`);
  return out.join("\n");
}

function verdict(t: Target): string {
  return t.met === null ? "not measured" : t.met ? "met" : "MISSED";
}

/** Renders the Markdown report. */
export function renderMarkdown(meta: { date: string; args: string; seconds: number; machine: Record<string, string> },
  sections: Section[]): string {
  const m = meta.machine;
  const lines = [
    `# Postwire benchmark ${meta.date}`, "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.ram} RAM, node ${m.node}, kernel ${m.kernel}.`,
    `PostgreSQL ${m.postgres}; Postfix ${m.postfix}. Command: \`npm run bench -- ${meta.args}\` (${Math.round(meta.seconds)} s).`,
    "Everything ran on 127.0.0.1 on this one machine; load generators share its cores with the server under test,",
    "so compare within a table (peers interleaved in the same run), not across machines.", "",
    "## Targets", "",
    table(["goal", "target", "measured", "verdict"], sections.flatMap((s) => s.targets).map((t) => [t.name, t.target, t.measured, verdict(t)])),
  ];
  for (const s of sections) {
    lines.push("", `## ${s.title}`, "");
    if (s.rows.length) lines.push(table(s.columns, s.rows));
    if (s.notes.length) lines.push("", ...s.notes.map((n) => `- ${n}`));
    if (s.seconds !== undefined) lines.push("", `(${Math.round(s.seconds)} s)`);
  }
  return lines.join("\n") + "\n";
}

/** Writes the Markdown and JSON files; returns their paths. */
export function writeReport(dir: string, name: string, markdown: string, json: unknown): { md: string; json: string } {
  mkdirSync(dir, { recursive: true });
  const md = join(dir, `${name}.md`), js = join(dir, `${name}.json`);
  writeFileSync(md, markdown);
  writeFileSync(js, JSON.stringify(json, null, 2) + "\n");
  return { md, json: js };
}
