/**
 * Reading a POST body into the `request` field and uploaded files (docs/contract.md §1.2 steps 5–6).
 * Size is capped before anything is buffered: a declared Content-Length over the cap is
 * refused at once, and streamed bytes are counted as they arrive. Refusals are 400 `protocol`
 * with Go's texts, as mox answers (Go's form parsing refuses a urlencoded body over 10 MB with
 * "http: POST too large"); uploads that cannot fit in a message are `messageTooLarge`.
 */
import { ApiError } from "./errors.js";
import { parseParams, readMultipart } from "./multipart.js";
import type { UploadedFile } from "./registry.js";

/** Bounds of request bodies. */
export type BodyLimits = {
  /** Whole body (multipart uploads included). */
  maxRequestSize: number;
  /** A urlencoded body, and any non-file multipart field (Go's 10 MB form limit). */
  maxFieldSize: number;
  /**
   * Uploaded file bytes in all (the decoded size). Past it the composed message (base64, 4/3
   * larger) cannot fit the message size limit: refused as `messageTooLarge` while streaming.
   */
  maxFileBytes: number;
};

/** Go's limit on urlencoded bodies and multipart values (net/http: 10 MB). */
export const defaultMaxFieldSize = 10 << 20;

/** The parsed form: the `request` JSON text and the uploaded files. */
export type RequestForm = { request: string; files: UploadedFile[] };

const fileFields = new Set(["alternativefile", "inlinefile", "attachedfile"]);

/** Reads and checks the form of a webapi POST. */
export async function readForm(req: Request, limits: BodyLimits): Promise<RequestForm> {
  const ctHeader = req.headers.get("content-type");
  const mediaType = ctHeader === null ? null : parseMediaType(ctHeader);
  if (!mediaType) throw new ApiError("protocol", `unknown content-type ${JSON.stringify(ctHeader ?? "")}`);

  let values: [string, string][] = [];
  let files: UploadedFile[] = [];
  if (mediaType.value === "multipart/form-data") {
    const boundary = mediaType.params.get("boundary");
    if (!boundary || boundary.length > 70) throw new ApiError("protocol", "parsing form: no multipart boundary param in Content-Type");
    const parts = await readMultipart(bodyChunks(req, limits.maxRequestSize), boundary, {
      maxFieldSize: limits.maxFieldSize,
      maxFileBytes: limits.maxFileBytes,
      isFile: (name) => fileFields.has(name),
      maxParts: 1000,
      maxHeaderSize: 16 << 10,
    });
    for (const p of parts) {
      if (p.filename === null) values.push([p.name, p.data.toString("utf8")]);
      else if (fileFields.has(p.name)) {
        files.push({
          field: p.name,
          filename: p.filename,
          contentType: p.headers.get("content-type") ?? "",
          contentId: p.headers.get("content-id") ?? "",
          data: p.data,
        });
      }
    }
  } else if (mediaType.value === "application/x-www-form-urlencoded") {
    const cap = Math.min(limits.maxRequestSize, limits.maxFieldSize);
    const chunks: Uint8Array[] = [];
    for await (const c of bodyChunks(req, cap, "http: POST too large")) chunks.push(c);
    values = parseQuery(Buffer.concat(chunks).toString("utf8"));
  }
  // Other media types carry no form (Go's ParseForm leaves them unread): "missing request".
  const requests = values.filter(([k]) => k === "request");
  if (requests.length > 1) throw new ApiError("protocol", "duplicate request field");
  const request = requests[0]?.[1] ?? "";
  if (request === "") throw new ApiError("protocol", "missing/empty request");
  return { request, files };
}

/**
 * The body as chunks, refusing more than `max` bytes (400 `protocol`, with Go's text) as soon
 * as it is declared or crossed, without buffering anything.
 */
export async function* bodyChunks(req: Request, max: number, what = "http: request body too large"): AsyncGenerator<Uint8Array> {
  const tooLarge = (): ApiError => new ApiError("protocol", `parsing form: ${what}`);
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > max) throw tooLarge();
  if (!req.body) return;
  const reader = req.body.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.length;
      if (total > max) throw tooLarge();
      yield value;
    }
  } finally {
    // Stop reading here. @hono/node-server drains what is left for a moment after the answer
    // (a lingering close, as Go does), so the client reads the answer instead of a reset.
    reader.releaseLock();
  }
}

/** A media type `type/subtype; params` with a lowercase value, or null when malformed. */
export function parseMediaType(header: string): { value: string; params: Map<string, string> } | null {
  const parsed = parseParams(header);
  return /^[a-z0-9!#$%&'*+.^_`|~-]+\/[a-z0-9!#$%&'*+.^_`|~-]+$/.test(parsed.value) ? parsed : null;
}

/** Parses `a=b&c=d` like Go's url.ParseQuery: strict %-escapes, `+` is a space, no `;`. */
export function parseQuery(body: string): [string, string][] {
  const out: [string, string][] = [];
  for (const pair of body.split("&")) {
    if (pair === "") continue;
    if (pair.includes(";")) throw new ApiError("protocol", "parsing form: invalid semicolon separator in query");
    const eq = pair.indexOf("=");
    const [k, v] = eq < 0 ? [pair, ""] : [pair.slice(0, eq), pair.slice(eq + 1)];
    out.push([unescape(k), unescape(v)]);
  }
  return out;
}

function unescape(s: string): string {
  const plus = s.replaceAll("+", " ");
  if (/%(?![0-9a-fA-F]{2})/.test(plus)) throw new ApiError("protocol", `parsing form: invalid URL escape in ${JSON.stringify(s.slice(0, 40))}`);
  try {
    return decodeURIComponent(plus);
  } catch {
    // Go keeps invalid UTF-8 bytes; decode them with replacement characters instead.
    return Buffer.from(plus.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
  }
}
