// `npx tsx bench/profile-top.ts FILE.cpuprofile [N]`: the N functions with the most self time in a
// node --cpu-prof profile (as written by `npm run bench -- --profile`), with their share of samples.
import { readFileSync } from "node:fs";

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface Profile { nodes: Node[]; samples?: number[]; timeDeltas?: number[] }

function main(): void {
  const [file, n = "25"] = process.argv.slice(2);
  if (!file) {
    console.error("usage: tsx bench/profile-top.ts FILE.cpuprofile [N]");
    process.exit(2);
  }
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  // Self time per node from samples and time deltas (µs); falls back to hit counts.
  const self = new Map<number, number>();
  if (p.samples && p.timeDeltas) {
    p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas![i] ?? 0)));
  } else {
    for (const x of p.nodes) self.set(x.id, x.hitCount ?? 0);
  }
  const byFn = new Map<string, number>();
  let total = 0;
  for (const [id, t] of self) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    const where = f.url ? `${f.url.replace(/^file:\/\//, "").replace(process.cwd() + "/", "")}:${f.lineNumber + 1}` : "";
    const key = `${f.functionName || "(anonymous)"} ${where}`.trim();
    byFn.set(key, (byFn.get(key) ?? 0) + t);
    total += t;
  }
  const idle = ["(idle)", "(program)", "(garbage collector)"].map((k) => `${k}: ${(((byFn.get(k) ?? 0) / total) * 100).toFixed(1)}%`);
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled; ${idle.join(", ")}`);
  const top = [...byFn].filter(([k]) => !k.startsWith("(idle)")).sort((a, b) => b[1] - a[1]).slice(0, Number(n));
  for (const [k, t] of top) console.log(`${((t / total) * 100).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(7)} ms  ${k}`);
}

main();
