// The parse itself, run inside a worker thread by the parser pool (parser-pool.ts).
// Everything here is bounded by the tree limits; the pool adds the wall-clock and heap caps.
import { incomingReferences, isAutomated, messageGetReferences, parseEnvelope } from "./envelope.js";
import { ParseLimitError } from "./errors.js";
import { headerValue } from "./header.js";
import { buildTree, defaultTreeLimits, type TreeLimits } from "./mime-tree.js";
import { readableParts, toStructure } from "./structure.js";
import type { ParseResult } from "./types.js";

/** Bounds of one parse. */
export interface ParseLimits extends TreeLimits {
  /** UTF-8 bytes kept of Text and of HTML (mox: 1 MiB). */
  readonly maxTextBytes: number;
}

/** Default bounds: see `defaultTreeLimits`, plus 1 MiB of Text/HTML. */
export const defaultParseLimits: ParseLimits = { ...defaultTreeLimits, maxTextBytes: 1 << 20 };

/**
 * Parses a raw message into a ParsedMessage, or a ParseFailure for limit violations and
 * unexpected errors. Runs on whatever thread calls it: use the pool for untrusted input.
 */
export async function parseRaw(raw: Buffer, automatedHint: boolean, limits: ParseLimits = defaultParseLimits): Promise<ParseResult> {
  try {
    const { root, truncated } = buildTree(raw, limits);
    const fields = root.fields;
    const env = await parseEnvelope(raw, fields);
    const { text, html } = readableParts(raw, root, limits.maxTextBytes);
    return {
      ok: true,
      From: env.From,
      To: env.To,
      CC: env.CC,
      BCC: env.BCC,
      ReplyTo: env.ReplyTo,
      Subject: env.Subject,
      MessageID: headerValue(fields, "message-id"),
      InReplyTo: headerValue(fields, "in-reply-to"),
      References: messageGetReferences(fields),
      IncomingReferences: incomingReferences(fields),
      Date: env.Date,
      DateOffset: env.DateOffset,
      Text: text,
      HTML: html,
      Structure: toStructure(raw, root),
      Automated: automatedHint || isAutomated(fields, root.contentType),
      Headers: fields.map((f): [string, string] => [f.name, f.value]),
      Truncated: truncated,
    };
  } catch (err) {
    if (err instanceof ParseLimitError) return { ok: false, error: { code: err.code, message: err.message } };
    return { ok: false, error: { code: "malformed", message: `parsing message: ${err instanceof Error ? err.message : String(err)}` } };
  }
}
