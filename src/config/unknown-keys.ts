import type { z } from "zod";

/** The parts of zod 4's schema definitions the key walk reads. */
type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType; in?: z.ZodType; options?: z.ZodType[] };
const def = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/**
 * Every key of `raw` that no object of `schema` declares, as `path: unknown key "k"`, with a
 * "did you mean" suggestion when a declared key is close. Walks nested objects, arrays,
 * optional/default values and unions, so a field added to the schema is known at once.
 */
export function unknownKeys(schema: z.ZodType, raw: unknown, path: (string | number)[] = []): string[] {
  const d = def(schema);
  switch (d.type) {
    case "optional":
    case "default":
    case "prefault":
    case "nullable":
    case "readonly":
      return d.innerType ? unknownKeys(d.innerType, raw, path) : [];
    case "pipe":
      return d.in ? unknownKeys(d.in, raw, path) : [];
    case "union":
      // The first option that the value's keys fit best: fewest unknown keys.
      return (d.options ?? []).map((o) => unknownKeys(o, raw, path)).sort((a, b) => a.length - b.length)[0] ?? [];
    case "array":
      return Array.isArray(raw) && d.element ? raw.flatMap((v, i) => unknownKeys(d.element!, v, [...path, i])) : [];
    case "object": {
      if (!raw || typeof raw !== "object" || Array.isArray(raw)) return [];
      const shape = d.shape ?? {};
      const known = Object.keys(shape);
      const out: string[] = [];
      for (const [k, v] of Object.entries(raw)) {
        const field = shape[k];
        if (field) out.push(...unknownKeys(field, v, [...path, k]));
        else {
          const near = closest(k, known);
          out.push(`${[...path, k].join(".")}: unknown key${near ? ` (did you mean ${[...path, near].join(".")}?)` : ""}`);
        }
      }
      return out;
    }
    default:
      return [];
  }
}

/** The declared key nearest to `k` (case-insensitive edit distance), if near enough to be a typo. */
function closest(k: string, known: string[]): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const key of known) {
    const d = distance(k.toLowerCase(), key.toLowerCase());
    if (!best || d < best.d) best = { key, d };
  }
  return best && best.d <= Math.max(2, Math.floor(best.key.length / 3)) ? best.key : undefined;
}

/** Levenshtein distance, with an adjacent transposition counting as one edit. */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = v;
    }
  }
  return rows[a.length]![b.length]!;
}
