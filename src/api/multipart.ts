/**
 * A streaming multipart/form-data reader (RFC 7578). It holds at most one part header and a
 * boundary-sized tail in its scan buffer, so limits are enforced while bytes arrive: a form
 * field larger than `maxFieldSize`, or uploads past `maxFileBytes`, are refused at that point,
 * never buffered whole. Parts that are neither fields nor wanted files are skipped unbuffered.
 *
 * Hand-written rather than busboy: Send copies each upload's own `Content-Type` header with its
 * parameters and its `Content-ID` (docs/contract.md §1.6), and busboy reports only the bare media
 * type of a part, no other header.
 */
import { ApiError } from "./errors.js";

/** One part of the form. */
export type FormPart = {
  /** The form field name. */
  name: string;
  /** File name for file uploads, null for plain fields. */
  filename: string | null;
  /** Header fields with lowercase names (the last value wins). */
  headers: ReadonlyMap<string, string>;
  data: Buffer;
};

/** Bounds of one form. */
export type MultipartLimits = {
  /** Bytes of one non-file field. */
  maxFieldSize: number;
  maxParts: number;
  maxHeaderSize: number;
  /** Bytes of all kept files together (`isFile` parts); default unbounded. */
  maxFileBytes?: number;
  /** Whether a file part of this field name is kept; others are skipped. Default: all kept. */
  isFile?: (name: string) => boolean;
};

const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * Reads every part of a multipart body from `chunks`. Throws ApiError `protocol` (malformed, or
 * a field over its limit) or `messageTooLarge` (files past `maxFileBytes`).
 */
export async function readMultipart(chunks: AsyncIterable<Uint8Array>, boundary: string, limits: MultipartLimits): Promise<FormPart[]> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: FormPart[] = [];
  // The first delimiter may start the body without a preceding CRLF: pretend it had one.
  let buf: Buffer = Buffer.from(CRLF);
  let state = "preamble" as "preamble" | "boundary" | "headers" | "body" | "done";
  let cur: { name: string; filename: string | null; headers: Map<string, string>; chunks: Buffer[]; size: number; skip: boolean } | null = null;
  let fileBytes = 0;

  const append = (data: Buffer): void => {
    if (!cur || cur.skip || data.length === 0) return;
    cur.size += data.length;
    if (cur.filename === null && cur.size > limits.maxFieldSize) {
      // Go's multipart form reader: "multipart: message too large".
      throw protocol(`message too large (form field ${JSON.stringify(cur.name.slice(0, 40))} over ${limits.maxFieldSize} bytes)`);
    }
    if (cur.filename !== null) {
      fileBytes += data.length;
      if (limits.maxFileBytes !== undefined && fileBytes > limits.maxFileBytes) {
        throw new ApiError("messageTooLarge", `message too large: uploaded files over ${limits.maxFileBytes} bytes cannot fit the message size limit`);
      }
    }
    cur.chunks.push(data);
  };

  const step = (): boolean => {
    switch (state) {
      case "preamble":
      case "body": {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          // Keep a tail that may hold the start of a delimiter.
          const keep = Math.min(buf.length, delimiter.length - 1);
          if (state === "body") append(buf.subarray(0, buf.length - keep));
          buf = Buffer.from(buf.subarray(buf.length - keep));
          return false;
        }
        if (state === "body") {
          append(buf.subarray(0, i));
          finishPart();
        }
        buf = buf.subarray(i + delimiter.length);
        state = "boundary";
        return true;
      }
      case "boundary": {
        if (buf.length < 2) return false;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = "done"; // "--": closing delimiter; the epilogue is ignored
          return false;
        }
        const eol = buf.indexOf(CRLF);
        if (eol < 0) {
          if (buf.length > 256) throw protocol("malformed boundary line");
          return false;
        }
        if (!/^[ \t]*$/.test(buf.subarray(0, eol).toString("latin1"))) throw protocol("malformed boundary line");
        buf = buf.subarray(eol + 2);
        state = "headers";
        return true;
      }
      case "headers": {
        // An empty header section: the blank line follows the boundary line directly.
        const end = buf.subarray(0, 2).equals(CRLF) ? -2 : buf.indexOf(HEADER_END);
        if (end === -1) {
          if (buf.length > limits.maxHeaderSize) throw protocol("part header too large");
          return false;
        }
        if (end > limits.maxHeaderSize) throw protocol("part header too large");
        if (parts.length >= limits.maxParts) throw protocol(`more than ${limits.maxParts} parts`);
        startPart(end < 0 ? "" : buf.subarray(0, end).toString("utf8"));
        buf = buf.subarray(end < 0 ? 2 : end + 4);
        state = "body";
        return true;
      }
      case "done":
        return false;
    }
  };

  const startPart = (headerText: string): void => {
    const headers = parseHeaders(headerText);
    const disp = parseParams(headers.get("content-disposition") ?? "");
    if (disp.value !== "form-data" || !disp.params.has("name")) throw protocol("part without form-data name");
    const fn = disp.params.get("filename");
    // Go keeps only the base name of an uploaded file's name.
    const name = disp.params.get("name")!;
    const skip = Boolean(fn) && limits.isFile !== undefined && !limits.isFile(name);
    cur = { name, filename: fn ? fn.split(/[/\\]/).pop()! : null, headers, chunks: [], size: 0, skip };
  };
  const finishPart = (): void => {
    if (cur && !cur.skip) parts.push({ name: cur.name, filename: cur.filename, headers: cur.headers, data: Buffer.concat(cur.chunks, cur.size) });
    cur = null;
  };

  for await (const chunk of chunks) {
    if (state === "done") continue; // drain the epilogue
    buf = buf.length ? Buffer.concat([buf, chunk]) : Buffer.from(chunk);
    while (step());
  }
  if (state !== "done") throw protocol("unexpected end of multipart body");
  return parts;
}

function protocol(what: string): ApiError {
  return new ApiError("protocol", `parsing form: multipart: ${what}`);
}

function parseHeaders(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text === "" ? [] : text.split("\r\n");
  let last = "";
  for (const line of lines) {
    if ((line.startsWith(" ") || line.startsWith("\t")) && last) {
      out.set(last, `${out.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) throw protocol("malformed part header");
    last = line.slice(0, colon).trim().toLowerCase();
    out.set(last, line.slice(colon + 1).trim());
  }
  return out;
}

/** Splits `value; a=b; c="d"` into a lowercase value and parameters (RFC 2231 `*` of UTF-8 decoded). */
export function parseParams(header: string): { value: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  const semi = header.indexOf(";");
  const value = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const m of (semi < 0 ? "" : header.slice(semi)).matchAll(re)) {
    const key = m[1]!.toLowerCase();
    let v = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!.trim();
    if (key.endsWith("*")) {
      const ext = /^([^']*)'[^']*'(.*)$/.exec(v);
      try {
        v = ext ? decodeURIComponent(ext[2]!) : v;
      } catch {
        continue; // undecodable extended value: ignore it, the plain parameter may follow
      }
      params.set(key.slice(0, -1), v);
    } else if (!params.has(key)) {
      params.set(key, v);
    }
  }
  return { value, params };
}
