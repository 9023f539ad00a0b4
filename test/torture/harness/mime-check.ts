// The properties every parse must have, whatever the input (docs/guarantees.md group B): it
// returns (never throws) within a time bound, a failure has a known code, a success is JSON that
// PostgreSQL jsonb accepts, and the Structure agrees with getPart/getPartInfo part by part.
import { getPart, getPartInfo, parseFailureCodes, parseMessage, type ParseResult, type Structure } from "../../../src/message/index.js";

/** What one checked parse found. */
export type MimeVerdict = {
  ms: number;
  ok: boolean;
  code: string;
  problems: string[];
  /** B7: a decoded string holds an unpaired surrogate (not valid Unicode, refused by jsonb). */
  loneSurrogate: string | null;
};

// A UTF-16 surrogate escape without its pair: jsonb refuses it ("Unicode low surrogate must follow a high surrogate").
const loneSurrogate = /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i;

function* paths(s: Structure, at: number[] = []): Generator<[number[], Structure]> {
  yield [at, s];
  for (let i = 0; i < s.Parts.length; i++) yield* paths(s.Parts[i]!, [...at, i]);
}

/** Parses `raw` in the worker pool and checks the properties; `maxMs` bounds the wall time. */
export async function checkParse(raw: Buffer, maxMs: number): Promise<MimeVerdict> {
  const t0 = performance.now();
  let r: ParseResult;
  try {
    r = await parseMessage(raw);
  } catch (err) {
    return { ms: performance.now() - t0, ok: false, code: "threw", problems: [`parseMessage threw: ${String(err)}`], loneSurrogate: null };
  }
  const ms = performance.now() - t0;
  const problems: string[] = [];
  if (ms > maxMs) problems.push(`parse took ${Math.round(ms)} ms (bound ${maxMs})`);
  if (!r.ok) {
    if (!(parseFailureCodes as readonly string[]).includes(r.error.code)) problems.push(`unknown failure code ${r.error.code}`);
    return { ms, ok: false, code: r.error.code, problems, loneSurrogate: null };
  }
  const json = JSON.stringify(r);
  const lone = loneSurrogate.exec(json);
  let slowest = 0;
  let n = 0;
  for (const [path, node] of paths(r.Structure)) {
    if (++n > 2000) break;
    let part: Buffer | null;
    const tp = performance.now();
    try {
      part = getPart(raw, path);
      slowest = Math.max(slowest, performance.now() - tp);
    } catch (err) {
      problems.push(`getPart(${path}) threw: ${String(err)}`);
      continue;
    }
    if (part === null) {
      problems.push(`getPart(${path}) is null for a part in Structure`);
      continue;
    }
    const info = getPartInfo(raw, path);
    if (!info) problems.push(`getPartInfo(${path}) is null for a part in Structure`);
    else if (info.contentType !== node.ContentType) problems.push(`getPartInfo(${path}).contentType ${info.contentType} != Structure ${node.ContentType}`);
    else if (!r.Truncated && info.partCount !== node.Parts.length) problems.push(`getPartInfo(${path}).partCount ${info.partCount} != Structure ${node.Parts.length}`);
    if (node.Parts.length === 0 && !node.ContentType.startsWith("multipart/") && part.length !== node.DecodedSize) {
      problems.push(`getPart(${path}) has ${part.length} bytes, Structure DecodedSize ${node.DecodedSize}`);
    }
  }
  const beyond = [r.Structure.Parts.length];
  if (!r.Truncated && getPart(raw, beyond) !== null && r.Structure.ContentType.startsWith("multipart/")) problems.push(`getPart([${beyond}]) past the last part is not null`);
  // getPart runs on the caller's thread (MessagePartGet): one call must stay short.
  if (slowest > maxMs / 4) problems.push(`one getPart call took ${Math.round(slowest)} ms`);
  return { ms, ok: true, code: "ok", problems, loneSurrogate: lone ? lone[0] : null };
}
