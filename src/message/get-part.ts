// MessagePartGet (docs/contract.md §1.5): one MIME part's decoded bytes, found by walking only
// the requested branch of the tree. Synchronous: the walk is bounded by the tree limits
// and does no charset or header decoding beyond the parts on the path.
import { headerValue } from "./header.js";
import { countChildren, defaultTreeLimits, nodeAtPath, type TreeLimits } from "./mime-tree.js";
import { decodedBody } from "./structure.js";

/**
 * The decoded data of the part at `path`: `[]` is the body of the outer message after its
 * header; otherwise indexes into Structure `Parts` recursively. Base64 and
 * quoted-printable are undone, the charset is left alone, and text parts have CRLF line
 * ends. Returns null when an index is out of range (the API's `partNotFound`) or the
 * message breaks a parsing bound.
 */
export function getPart(raw: Buffer, path: readonly number[], limits: TreeLimits = defaultTreeLimits): Buffer | null {
  const node = safeNodeAtPath(raw, path, limits);
  return node ? decodedBody(raw, node) : null;
}

/** What a caller may need to know about a part before reading it (e.g. DSN parsing). */
export interface PartInfo {
  /** Effective lowercase `type/subtype`. */
  readonly contentType: string;
  /** Content-Type parameters, lowercase keys. */
  readonly contentTypeParams: Record<string, string>;
  /** Raw Content-ID value, or "". */
  readonly contentId: string;
  /** Number of direct children (0 for leaves), counting at most the part cap. */
  readonly partCount: number;
}

/** Describes the part at `path`, or null when it does not exist. */
export function getPartInfo(raw: Buffer, path: readonly number[], limits: TreeLimits = defaultTreeLimits): PartInfo | null {
  const node = safeNodeAtPath(raw, path, limits);
  if (!node) return null;
  const partCount = countChildren(raw, node, limits);
  return {
    contentType: node.contentType,
    contentTypeParams: { ...node.params },
    contentId: headerValue(node.fields, "content-id"),
    partCount,
  };
}

function safeNodeAtPath(raw: Buffer, path: readonly number[], limits: TreeLimits): ReturnType<typeof nodeAtPath> {
  try {
    return nodeAtPath(raw, path, limits);
  } catch {
    return null; // a header over the byte cap: treat as absent, as the parse also failed
  }
}
