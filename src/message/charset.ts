// Charset decoding through the WHATWG TextDecoder (Node's full ICU covers the legacy
// mail charsets: iso-8859-*, windows-125x, koi8, shift_jis, iso-2022-jp, euc-kr incl.
// ks_c_5601-1987, gbk, big5, utf-16). Unknown charsets (utf-7, made-up names) fall back to
// UTF-8 with U+FFFD, so the result is always valid for JSON (docs/guarantees.md B7).

import { TextDecoder } from "node:util";

const decoders = new Map<string, TextDecoder>();

/** Decodes `bytes` from `charset`; never throws. */
export function decodeCharset(bytes: Uint8Array, charset: string): string {
  return decoderFor(charset).decode(bytes);
}

function decoderFor(charset: string): TextDecoder {
  let label = charset.trim().toLowerCase().replace(/^"|"$/g, "");
  // WHATWG maps us-ascii to windows-1252; in mail, 8-bit bytes under a us-ascii label are
  // far more often UTF-8, and UTF-8 is an ASCII superset.
  if (label === "" || label === "us-ascii" || label === "ascii") label = "utf-8";
  let d = decoders.get(label);
  if (!d) {
    try {
      d = new TextDecoder(label);
    } catch {
      // Unsupported label: deliberate UTF-8 fallback, see the file comment.
      d = decoders.get("utf-8") ?? new TextDecoder("utf-8");
    }
    if (decoders.size < 64) decoders.set(label, d);
  }
  return d;
}

/**
 * Truncates a string so its UTF-8 encoding is at most `maxBytes`, cutting at a character
 * boundary (mox truncates readable parts to 1 MiB of UTF-8).
 */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes || Buffer.byteLength(s) <= maxBytes) return s;
  const b = Buffer.from(s, "utf8");
  let cut = maxBytes;
  while (cut > 0 && (b[cut]! & 0xc0) === 0x80) cut--;
  return b.subarray(0, cut).toString("utf8");
}
