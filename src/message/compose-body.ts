// The MIME body of a composed message (docs/contract.md §1.6): multipart/mixed ⊃ multipart/related
// ⊃ multipart/alternative, each level only when needed, with text, HTML and file parts.
import { randomBytes } from "node:crypto";
import { ComposeError } from "./errors.js";
import { base64Lines, encodeQuotedPrintable, formatParam, needsQuotedPrintable } from "./mime-encode.js";
import { sniffContentType } from "./sniff.js";
import { isAscii } from "../smtp/index.js";

/** A file to include: base64 `Data` (validated, written as given) or raw `Bytes`. */
export interface ComposeFile {
  /** Filename for the Content-Disposition `filename` parameter; "" for none. */
  Name?: string;
  /** Content-Type; sniffed from the first 512 bytes when empty (octet-stream → none). */
  ContentType?: string;
  /** Content-ID with `<>`, e.g. `<logo>`, for `cid:` references from HTML. */
  ContentID?: string;
  /** Standard base64 with padding (mox's JSON files). */
  Data?: string;
  /** Raw bytes (e.g. a multipart/form-data upload). */
  Bytes?: Uint8Array;
}

/** A MIME entity ready to render: its own header fields (CRLF-terminated) and body. */
export interface Entity {
  readonly header: string;
  readonly body: Buffer;
}

/** Inputs for the body, already validated for control characters by the caller. */
export interface BodyInput {
  text: string;
  html: string;
  alternativeFiles: readonly ComposeFile[];
  inlineFiles: readonly ComposeFile[];
  attachedFiles: readonly ComposeFile[];
  /** SMTPUTF8 message: text parts are labelled 8bit, as mox's Composer does. */
  has8bit: boolean;
}

/** Builds the outermost entity; its header fields go last in the message header. */
export function composeBody(input: BodyInput): Entity {
  const alt: Entity[] = [];
  if (input.text !== "") alt.push(textPart("plain", input.text, input.has8bit));
  if (input.html !== "") alt.push(textPart("html", input.html, input.has8bit));
  alt.push(...input.alternativeFiles.map((f) => filePart(f, "inline")));
  let cur = alt.length > 1 ? multipart("alternative", alt) : alt[0]!;
  if (input.inlineFiles.length > 0) cur = multipart("related", [cur, ...input.inlineFiles.map((f) => filePart(f, "inline"))]);
  if (input.attachedFiles.length > 0) cur = multipart("mixed", [cur, ...input.attachedFiles.map((f) => filePart(f, "attachment"))]);
  return cur;
}

/**
 * A text part as mox's Composer.TextPart: line ends normalised (CRLF, bare CR and LF all
 * become one line break, so no bare CR/LF can reach the output), a final newline added,
 * charset us-ascii or utf-8, quoted-printable for lines over 76 bytes, else 7bit/8bit.
 */
export function textPart(subtype: "plain" | "html", text: string, has8bit: boolean): Entity {
  let t = text.replace(/\r\n|\r/g, "\n");
  if (!t.endsWith("\n")) t += "\n";
  t = t.replaceAll("\n", "\r\n");
  const charset = isAscii(t) ? "us-ascii" : "utf-8";
  let cte: string;
  if (needsQuotedPrintable(t)) {
    t = encodeQuotedPrintable(t);
    cte = "quoted-printable";
  } else cte = has8bit || charset === "utf-8" ? "8bit" : "7bit";
  return { header: `Content-Type: text/${subtype}; charset=${charset}\r\nContent-Transfer-Encoding: ${cte}\r\n`, body: Buffer.from(t, "utf8") };
}

function filePart(f: ComposeFile, disposition: "inline" | "attachment"): Entity {
  const b64 = fileBase64(f);
  let ct = f.ContentType ?? "";
  if (ct === "") ct = sniffContentType(f.Bytes ?? Buffer.from(b64.slice(0, 684), "base64"));
  const name = f.Name ?? "";
  let header = ct !== "" ? `Content-Type: ${ct}\r\n` : "";
  header += `Content-Disposition: ${disposition}${name !== "" ? `; ${formatParam("filename", name)}` : ""}\r\n`;
  if (f.ContentID) header += `Content-ID: ${f.ContentID}\r\n`;
  header += "Content-Transfer-Encoding: base64\r\n";
  return { header, body: Buffer.from(base64Lines(b64), "ascii") };
}

// mox validates JSON file data as standard base64 with padding, then writes it as given.
function fileBase64(f: ComposeFile): string {
  if (f.Bytes) return Buffer.from(f.Bytes).toString("base64");
  const s = (f.Data ?? "").replace(/[\r\n]/g, "");
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) {
    throw new ComposeError("user", `parsing attachment ${JSON.stringify(f.Name ?? "")} as base64: invalid data`);
  }
  return s;
}

/** A multipart entity; parts are framed like Go's multipart.Writer. */
function multipart(subtype: string, parts: readonly Entity[]): Entity {
  const boundary = randomBytes(30).toString("hex");
  const chunks: Buffer[] = [];
  parts.forEach((p, i) => {
    chunks.push(Buffer.from(`${i > 0 ? "\r\n" : ""}--${boundary}\r\n${p.header}\r\n`, "utf8"), p.body);
  });
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`, "ascii"));
  return { header: `Content-Type: multipart/${subtype}; boundary="${boundary}"\r\n`, body: Buffer.concat(chunks) };
}
