// Content-Transfer-Encoding decoding (RFC 2045 §6) and line-ending normalisation for
// text parts. Lenient like mail readers must be, and linear in the input size
// (docs/guarantees.md B6: garbage base64 and millions of QP soft breaks stay cheap).

const CR = 0x0d;
const LF = 0x0a;

/** Undoes base64 or quoted-printable; other encodings (7bit, 8bit, binary) are identity. */
export function decodeTransfer(body: Buffer, cte: string): Buffer {
  if (cte === "base64") return decodeBase64(body);
  if (cte === "quoted-printable") return decodeQuotedPrintable(body);
  return body;
}

/** Lenient base64: whitespace and stray characters are skipped, decoding stops at `=`. */
export function decodeBase64(body: Buffer): Buffer {
  return Buffer.from(body.toString("latin1"), "base64");
}

/** Decoded size of base64 without decoding: 6 bits per alphabet character before `=`. */
export function base64DecodedSize(body: Buffer): number {
  let n = 0;
  const end = body.indexOf(0x3d); // decoding stops at the first "="
  for (let i = 0, len = end < 0 ? body.length : end; i < len; i++) if (isBase64Char(body[i]!)) n++;
  return Math.floor((n * 6) / 8);
}

// Node's decoder also accepts the URL-safe alphabet, so they are counted too.
function isBase64Char(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x2d || c === 0x5f;
}

/**
 * Quoted-printable decoding: `=XX` escapes, `=` at line end is a soft break, trailing
 * whitespace on a line is dropped (RFC 2045 §6.7 rule 3), hard line breaks become CRLF.
 * An `=` not followed by two hex digits is kept literally.
 */
export function decodeQuotedPrintable(body: Buffer): Buffer {
  // One pass without per-line native calls: millions of short lines stay cheap.
  // Output never outgrows input except for bare LF → CRLF, counted up front.
  const out = Buffer.allocUnsafe(body.length + bareLfCount(body));
  const n = body.length;
  let o = 0;
  let i = 0;
  while (i < n) {
    const c = body[i]!;
    if (c === 0x3d) {
      const v = hexPair(body[i + 1], body[i + 2]);
      if (v >= 0) {
        out[o++] = v;
        i += 3;
        continue;
      }
      const j = skipBlanks(body, i + 1);
      if (j >= n || body[j] === LF || (body[j] === CR && body[j + 1] === LF)) {
        i = j >= n ? n : body[j] === LF ? j + 1 : j + 2; // soft line break
        continue;
      }
      out[o++] = c;
      i++;
    } else if (c === 0x20 || c === 0x09) {
      const j = skipBlanks(body, i);
      if (j >= n || body[j] === LF || (body[j] === CR && body[j + 1] === LF)) i = j; // trailing blanks
      else while (i < j) out[o++] = body[i++]!;
    } else if (c === LF || (c === CR && body[i + 1] === LF)) {
      out[o++] = CR;
      out[o++] = LF;
      i += c === LF ? 1 : 2;
    } else {
      out[o++] = c;
      i++;
    }
  }
  return out.subarray(0, o);
}

function bareLfCount(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(LF); i >= 0; i = b.indexOf(LF, i + 1)) if (i === 0 || b[i - 1] !== CR) n++;
  return n;
}

function skipBlanks(b: Buffer, i: number): number {
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09)) i++;
  return i;
}

function hexPair(a: number | undefined, b: number | undefined): number {
  const x = hexVal(a);
  const y = hexVal(b);
  return x < 0 || y < 0 ? -1 : x * 16 + y;
}

function hexVal(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Inserts CR before every LF that lacks one, as mox does for text parts. */
export function toCrlf(buf: Buffer): Buffer {
  let bare = 0;
  for (let i = buf.indexOf(LF); i >= 0; i = buf.indexOf(LF, i + 1)) if (i === 0 || buf[i - 1] !== CR) bare++;
  if (bare === 0) return buf;
  const out = Buffer.allocUnsafe(buf.length + bare);
  let o = 0;
  let last = 0;
  for (let i = buf.indexOf(LF); i >= 0; i = buf.indexOf(LF, i + 1)) {
    if (i > 0 && buf[i - 1] === CR) continue;
    o += buf.copy(out, o, last, i);
    out[o++] = CR;
    last = i;
  }
  o += buf.copy(out, o, last);
  return out.subarray(0, o);
}
