// The MIME tree of a raw message as byte ranges (RFC 2045/2046).
//
// Why a hand-written walker and not mailparser: simpleParser flattens the tree, MailParser
// only streams leaves, and neither gives body offsets, which MessagePartGet needs. mailsplit
// (@zone-eu/mailsplit) is only a transitive dependency, so its hoisting is not ours to rely
// on, and it refuses a whole message at 1000 nodes where we want a truncated, flagged tree.
// The walker below mirrors mox's message.Part: a part's body ends before the line break
// that precedes the next delimiter, a delimiter needs whitespace or `--` after the boundary.
// Bounds: depth and node caps degrade to leaves (flagged `truncated`); a header section over
// the byte cap throws. Each level scans only its own region, so the work is at most
// O(size × maxDepth).
import { indexOfByte, readHeader, type HeaderField } from "./header.js";
import { parseContentType, parseParamValue } from "./params.js";

/** One MIME node: header fields, effective content type, body range, children. */
export interface MimeNode {
  readonly headerStart: number;
  readonly bodyStart: number;
  readonly bodyEnd: number;
  readonly fields: HeaderField[];
  /** Effective lowercase `type/subtype` (RFC 2045 §5.2 / RFC 2046 §5.1.5 defaults). */
  readonly contentType: string;
  /** Content-Type parameters, lowercase keys, RFC 2231 decoded. */
  readonly params: Record<string, string>;
  /** Lowercase Content-Transfer-Encoding, "" when absent. */
  readonly cte: string;
  readonly children: MimeNode[];
}

/** Caps applied while walking; see docs/guarantees.md B1–B3. */
export interface TreeLimits {
  /** Multipart nesting deeper than this is kept as a leaf. */
  readonly maxDepth: number;
  /** Total nodes kept; siblings past the cap are dropped. */
  readonly maxParts: number;
  /** Bytes per header section; more throws ParseLimitError. */
  readonly maxHeaderBytes: number;
}

/** Defaults: 100 levels, 1000 nodes (mailsplit's cap), 1 MiB per header section. */
export const defaultTreeLimits: TreeLimits = { maxDepth: 100, maxParts: 1000, maxHeaderBytes: 1 << 20 };

/** A whole tree, with whether any cap cut it short. */
export interface MimeTree {
  readonly root: MimeNode;
  readonly truncated: boolean;
}

interface WalkState {
  readonly limits: TreeLimits;
  parts: number;
  truncated: boolean;
}

/** Builds the full (bounded) tree of `raw`. @throws ParseLimitError */
export function buildTree(raw: Buffer, limits: TreeLimits = defaultTreeLimits): MimeTree {
  const st: WalkState = { limits, parts: 1, truncated: false };
  const root = walk(raw, 0, raw.length, 0, "", st);
  return { root, truncated: st.truncated };
}

function walk(raw: Buffer, start: number, end: number, depth: number, parentType: string, st: WalkState): MimeNode {
  const node = readNode(raw, start, end, parentType, st.limits);
  const boundary = multipartBoundary(node);
  if (boundary === null) return node;
  if (depth >= st.limits.maxDepth) {
    st.truncated = true;
    return node;
  }
  const regions = childRegions(raw, node, boundary, st.limits.maxParts);
  for (const [s, e] of regions) {
    if (st.parts >= st.limits.maxParts) {
      st.truncated = true;
      break;
    }
    st.parts++;
    node.children.push(walk(raw, s, e, depth + 1, node.contentType, st));
  }
  return node;
}

/**
 * The node at `path` (indexes into children, `[]` = root), walking only that branch.
 * Returns null when an index is out of range or the path is deeper than the depth cap.
 * @throws ParseLimitError
 */
export function nodeAtPath(raw: Buffer, path: readonly number[], limits: TreeLimits = defaultTreeLimits): MimeNode | null {
  if (path.length > limits.maxDepth) return null;
  let node = readNode(raw, 0, raw.length, "", limits);
  for (const index of path) {
    const boundary = multipartBoundary(node);
    if (boundary === null || !Number.isInteger(index) || index < 0 || index >= limits.maxParts) return null;
    const region = childRegions(raw, node, boundary, index + 1)[index];
    if (!region) return null;
    node = readNode(raw, region[0], region[1], node.contentType, limits);
  }
  return node;
}

/** Number of direct children of a node (at most `limits.maxParts`); 0 for leaves. */
export function countChildren(raw: Buffer, node: MimeNode, limits: TreeLimits = defaultTreeLimits): number {
  const boundary = multipartBoundary(node);
  return boundary === null ? 0 : childRegions(raw, node, boundary, limits.maxParts).length;
}

function readNode(raw: Buffer, start: number, end: number, parentType: string, limits: TreeLimits): MimeNode {
  const { fields, bodyStart } = readHeader(raw, start, end, limits.maxHeaderBytes);
  const ctField = fields.find((f) => f.key === "content-type");
  const ct = ctField ? parseContentType(ctField.value) : null;
  // RFC 2046 §5.1.5: parts of a multipart/digest default to message/rfc822.
  const fallback = parentType === "multipart/digest" ? "message/rfc822" : "text/plain";
  const cteField = fields.find((f) => f.key === "content-transfer-encoding");
  return {
    headerStart: start,
    bodyStart,
    bodyEnd: end,
    fields,
    contentType: ct?.value ?? fallback,
    params: ct?.params ?? {},
    cte: cteField ? parseParamValue(cteField.value).value : "",
    children: [],
  };
}

// A usable boundary (RFC 2046 §5.1.1: 1–70 characters; we allow up to 200), or null.
function multipartBoundary(node: MimeNode): string | null {
  if (!node.contentType.startsWith("multipart/")) return null;
  const b = node.params["boundary"];
  return b && b.length <= 200 ? b : null;
}

/**
 * Byte ranges `[start, end)` of the children of a multipart node, each starting at the
 * child's header. Lenient: a missing close delimiter ends the last part at the region end.
 */
function childRegions(raw: Buffer, node: MimeNode, boundary: string, max: number): Array<[number, number]> {
  const start = node.bodyStart;
  const end = node.bodyEnd;
  const region = raw.subarray(start, end);
  const delim = Buffer.from(`--${boundary}`, "utf8");
  const out: Array<[number, number]> = [];
  let partStart = -1;
  let pos = 0;
  while (pos < region.length && out.length < max) {
    const i = region.indexOf(delim, pos);
    if (i < 0) break;
    pos = i + 1;
    if (i > 0 && region[i - 1] !== 0x0a) continue; // delimiters start a line
    const after = i + delim.length;
    const close = region[after] === 0x2d && region[after + 1] === 0x2d;
    const next = region[after];
    if (!close && next !== undefined && next !== 0x20 && next !== 0x09 && next !== 0x0d && next !== 0x0a) continue;
    if (partStart >= 0) out.push([start + partStart, start + lineBreakStart(region, i, partStart)]);
    if (close) return out;
    const nl = indexOfByte(region, 0x0a, after, region.length);
    partStart = nl < 0 ? region.length : nl + 1;
    pos = partStart;
  }
  if (partStart >= 0 && out.length < max) out.push([start + partStart, end]);
  return out;
}

// The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
function lineBreakStart(region: Uint8Array, i: number, min: number): number {
  if (i - 2 >= min && region[i - 2] === 0x0d && region[i - 1] === 0x0a) return i - 2;
  if (i - 1 >= min && region[i - 1] === 0x0a) return i - 1;
  return i;
}
