// Formatting of the Authentication-Results (RFC 8601) and Received-SPF (RFC 7208 §9.1)
// header fields we prepend. The per-method rows come from mailauth, which escapes
// comments and quotes property values taken from the message.

import { tryAsciiDomain } from "./names.js";

/** Every result value mailauth can report, normalized (`temperr` → `temperror`). */
export type AuthResultValue =
  | "pass"
  | "fail"
  | "softfail"
  | "neutral"
  | "none"
  | "policy"
  | "temperror"
  | "permerror";

const values = new Set<string>(["pass", "fail", "softfail", "neutral", "none", "policy", "temperror", "permerror"]);

/** Maps a mailauth result string to {@link AuthResultValue}; unknown values become `none`. */
export function normalizeResult(result: unknown): AuthResultValue {
  if (result === "temperr") return "temperror";
  if (result === "skipped") return "none";
  return typeof result === "string" && values.has(result) ? (result as AuthResultValue) : "none";
}

/**
 * The authserv-id (RFC 8601 §2.5): our hostname reduced to token characters, so a bad
 * configuration value cannot break or inject into the header.
 */
export function authservId(hostname: string): string {
  const ascii = tryAsciiDomain(hostname) ?? hostname;
  return ascii.replace(/[^A-Za-z0-9.\-_]/g, "") || "localhost";
}

/**
 * The complete `Authentication-Results:` field, CRLF-terminated, one method per line.
 * With no rows it states `none` (RFC 8601 §2.2), plus an optional fixed-text comment.
 */
export function formatAuthenticationResults(hostname: string, rows: readonly string[], comment?: string): string {
  const id = authservId(hostname);
  if (rows.length === 0) {
    const note = comment ? ` (${comment.replace(/[\\()\r\n]/g, "")})` : "";
    return `Authentication-Results: ${id}; none${note}\r\n`;
  }
  return `Authentication-Results: ${id};\r\n\t${rows.map(fold).join(";\r\n\t")}\r\n`;
}

/** A Received-SPF field from mailauth's header text, unfolded to ours and CRLF-terminated. */
export function formatReceivedSpf(header: string): string {
  return `${header.replace(/\r?\n(?=[ \t])/g, "\r\n").trimEnd()}\r\n`;
}

/** Folds a row at spaces so no physical line exceeds ~200 characters (RFC 5322 §2.1.1). */
function fold(row: string): string {
  const flat = row.replace(/\r?\n[ \t]*/g, " ");
  if (flat.length <= 200) return flat;
  const lines: string[] = [];
  let line = "";
  for (const word of flat.split(" ")) {
    if (line && line.length + word.length + 1 > 200) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines.join("\r\n\t");
}
