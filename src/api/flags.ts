/**
 * Message flags as mox's webapi treats them (docs/contract.md §1.5): case-insensitive on input,
 * stored lowercase; the ten system flags, anything else a keyword (an IMAP atom that does not
 * start with `\`). Listed system flags first in mox's order, then keywords sorted.
 */
import { ApiError } from "./errors.js";

/** System flags in the order MessageMeta.Flags lists them. */
export const systemFlags = ["$forwarded", "$junk", "$mdnsent", "$notjunk", "$phishing", "\\answered", "\\deleted", "\\draft", "\\flagged", "\\seen"] as const;

const system = new Set<string>(systemFlags);
// IMAP atom (RFC 3501 ATOM-CHAR): no controls, space or atom-specials ( ) { % * " \ ].
const keywordRe = /^[^\x00-\x20\x7f(){%*"\\\]]+$/;

/** Lowercases and validates flags from a request; throws ApiError `user` for an invalid keyword. */
export function normalizeFlags(flags: readonly string[]): string[] {
  return flags.map((f) => {
    const l = f.toLowerCase();
    if (system.has(l)) return l;
    if (!keywordRe.test(l) || l.length > 200) throw new ApiError("user", `invalid flag or keyword ${JSON.stringify(f.slice(0, 60))}`);
    return l;
  });
}

/** Flags in MessageMeta order: system flags in mox's order, then keywords sorted, no duplicates. */
export function orderFlags(stored: readonly string[]): string[] {
  const set = new Set(stored.map((f) => f.toLowerCase()));
  const sys = systemFlags.filter((f) => set.has(f));
  const keywords = [...set].filter((f) => !system.has(f)).sort();
  return [...sys, ...keywords];
}
