// A small content sniffer for files sent without a Content-Type, after the signatures of
// Go's http.DetectContentType that mox relies on (first 512 bytes). Unknown binary data
// yields "" (docs/contract.md §1.4: an application/octet-stream result is left empty).

const sniffLen = 512;

const magic: ReadonlyArray<readonly [string, number[]]> = [
  ["application/pdf", [0x25, 0x50, 0x44, 0x46, 0x2d]], // %PDF-
  ["image/png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["image/jpeg", [0xff, 0xd8, 0xff]],
  ["image/gif", [0x47, 0x49, 0x46, 0x38, 0x37, 0x61]], // GIF87a
  ["image/gif", [0x47, 0x49, 0x46, 0x38, 0x39, 0x61]], // GIF89a
  ["image/bmp", [0x42, 0x4d]],
  ["application/zip", [0x50, 0x4b, 0x03, 0x04]],
  ["application/x-gzip", [0x1f, 0x8b, 0x08]],
  ["text/plain; charset=utf-16be", [0xfe, 0xff]],
  ["text/plain; charset=utf-16le", [0xff, 0xfe]],
  ["text/plain; charset=utf-8", [0xef, 0xbb, 0xbf]],
];

// Go's HTML signatures: a tag name followed by a space or ">" after leading whitespace.
const htmlTags = ["!DOCTYPE HTML", "HTML", "HEAD", "SCRIPT", "IFRAME", "H1", "DIV", "FONT", "TABLE", "A", "STYLE", "TITLE", "B", "BODY", "BR", "P", "!--"];

/** The sniffed Content-Type of `data` (only its first 512 bytes are looked at), or "". */
export function sniffContentType(data: Uint8Array): string {
  const head = data.subarray(0, sniffLen);
  for (const [type, sig] of magic) if (sig.every((b, i) => head[i] === b)) return type;
  if (isWebp(head)) return "image/webp";
  const text = Buffer.from(head).toString("latin1").replace(/^[\t\n\x0c\r ]+/, "");
  const upper = text.toUpperCase();
  for (const tag of htmlTags) {
    const after = upper[tag.length + 1];
    if (upper.startsWith(`<${tag}`) && (after === " " || after === ">")) return "text/html; charset=utf-8";
  }
  if (text.startsWith("<?xml")) return "text/xml; charset=utf-8";
  return head.some(isBinaryByte) ? "" : "text/plain; charset=utf-8";
}

function isWebp(h: Uint8Array): boolean {
  return Buffer.from(h.subarray(0, 4)).toString("latin1") === "RIFF" && Buffer.from(h.subarray(8, 14)).toString("latin1") === "WEBPVP";
}

// Go's "binary data byte" set: controls other than TAB, LF, FF, CR and ESC.
function isBinaryByte(b: number): boolean {
  return b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f);
}
