// mox's webhook.Structure and "readable parts" (webops.ReadableParts) over a MimeTree.
import { decodeCharset, truncateUtf8 } from "./charset.js";
import { base64DecodedSize, decodeTransfer, toCrlf } from "./decode.js";
import { headerValue } from "./header.js";
import type { MimeNode } from "./mime-tree.js";
import { decodeWords, parseParamValue } from "./params.js";
import type { Structure } from "./types.js";

/** The mox Structure of a node and its descendants. */
export function toStructure(raw: Buffer, node: MimeNode): Structure {
  const disposition = parseParamValue(headerValue(node.fields, "content-disposition"));
  const filename = disposition.params["filename"] || node.params["name"] || "";
  return {
    ContentType: node.contentType,
    ContentTypeParams: { ...node.params },
    ContentID: headerValue(node.fields, "content-id"),
    ContentDisposition: disposition.value,
    // Many mailers put RFC 2047 words in quoted filenames; mox decodes those too.
    Filename: filename.startsWith("=?") ? decodeWords(filename) : filename,
    DecodedSize: decodedSize(raw, node),
    Parts: node.children.map((c) => toStructure(raw, c)),
  };
}

// Text parts are decoded for their size and again for Text/HTML; the tree is short-lived,
// so remembering their decoded bytes per node costs nothing once the parse is done.
const textCache = new WeakMap<MimeNode, Buffer>();

/** The decoded body of a leaf: transfer encoding undone, text parts with CRLF line ends. */
export function decodedBody(raw: Buffer, node: MimeNode): Buffer {
  if (!node.contentType.startsWith("text/")) return decodeTransfer(raw.subarray(node.bodyStart, node.bodyEnd), node.cte);
  let data = textCache.get(node);
  if (!data) {
    data = toCrlf(decodeTransfer(raw.subarray(node.bodyStart, node.bodyEnd), node.cte));
    textCache.set(node, data);
  }
  return data;
}

// mox: multiparts report 0 (their body is never read as a whole); text counts CRLF ends.
function decodedSize(raw: Buffer, node: MimeNode): number {
  if (node.contentType.startsWith("multipart/")) return 0;
  if (node.cte === "base64" && !node.contentType.startsWith("text/")) {
    return base64DecodedSize(raw.subarray(node.bodyStart, node.bodyEnd));
  }
  return decodedBody(raw, node).length;
}

/** Text and HTML as mox returns them: first readable parts, LF line ends, size-capped. */
export interface ReadableText {
  readonly text: string;
  readonly html: string;
}

/**
 * mox's ReadableParts: a text/plain or text/html root is the answer; otherwise the first
 * text or html child, else the first child subtree that has any. Inside
 * multipart/alternative both are collected. Each is charset-decoded, cut to `maxBytes` of
 * UTF-8, CRLF → LF. Two deliberate differences from mox, both common real-world shapes:
 * children with `Content-Disposition: attachment` are skipped (mox returns an attached
 * .txt as the body, its own todo), and an alternative also looks inside its multipart
 * children, so alternative[text/plain, related[text/html, image]] (nodemailer, Gmail)
 * yields the HTML too.
 */
export function readableParts(raw: Buffer, root: MimeNode, maxBytes: number): ReadableText {
  const r = findReadable(raw, root, maxBytes);
  return { text: r.text ?? "", html: r.html ?? "" };
}

interface Found {
  text: string | null;
  html: string | null;
}

function findReadable(raw: Buffer, node: MimeNode, max: number): Found {
  if (node.contentType === "text/plain") return { text: readText(raw, node, max), html: null };
  if (node.contentType === "text/html") return { text: null, html: readText(raw, node, max) };
  const children = node.children.filter((c) => !isAttachment(c));
  if (node.contentType === "multipart/alternative") {
    const found: Found = { text: null, html: null };
    for (const c of children) {
      if (found.text !== null && found.html !== null) break;
      if (c.contentType !== "text/plain" && c.contentType !== "text/html" && !c.contentType.startsWith("multipart/")) continue;
      const r = findReadable(raw, c, max);
      found.text ??= r.text;
      found.html ??= r.html;
    }
    return found;
  }
  const direct = children.find((c) => c.contentType === "text/plain" || c.contentType === "text/html");
  if (direct) return findReadable(raw, direct, max);
  for (const c of children) {
    const r = findReadable(raw, c, max);
    if (r.text !== null || r.html !== null) return r;
  }
  return { text: null, html: null };
}

function isAttachment(node: MimeNode): boolean {
  return parseParamValue(headerValue(node.fields, "content-disposition")).value === "attachment";
}

function readText(raw: Buffer, node: MimeNode, max: number): string {
  let data = decodedBody(raw, node);
  // Bound the charset work. Input bytes yield at least half as many UTF-8 bytes (UTF-16
  // ASCII is the worst case), so 4×max input always covers max output bytes.
  if (data.length > 4 * max) data = data.subarray(0, 4 * max);
  const s = truncateUtf8(decodeCharset(data, node.params["charset"] ?? ""), max);
  return s.replaceAll("\r\n", "\n");
}
