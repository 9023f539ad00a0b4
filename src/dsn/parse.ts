// parseDsn: recognise and read an incoming DSN (docs/contract.md §2.9, mox dsn/parse.go). Lenient
// where mox is strict (duplicate fields: first wins; unknown actions are returned as
// given) and bounded: only the top level and the status part are read, the status part is
// capped at 1 MiB and 1000 recipient blocks.
import { getPart, getPartInfo, readHeaderFields } from "../message/index.js";
import { enhancedCodeFor } from "../smtp/index.js";
import type { DsnParseResult, DsnRecipientReport, ParsedDsn } from "./types.js";

const maxStatusBytes = 1 << 20;
const maxRecipients = 1000;

/** Whether `raw` is a DSN (multipart/report whose 2nd part is a delivery-status), and its content. */
export function parseDsn(raw: Buffer): DsnParseResult {
  const top = getPartInfo(raw, []);
  if (!top || top.contentType !== "multipart/report") return { isDsn: false, reason: `content-type is ${top?.contentType ?? "unreadable"}, not multipart/report` };
  const status = top.partCount >= 2 ? getPartInfo(raw, [1]) : null;
  const type = status?.contentType ?? "";
  if (type !== "message/delivery-status" && type !== "message/global-delivery-status") {
    return { isDsn: false, reason: "second part is not message/delivery-status or message/global-delivery-status" };
  }
  const data = getPart(raw, [1]);
  if (!data) return { isDsn: true, ok: false, error: "reading delivery-status part" };
  if (data.length > maxStatusBytes) return { isDsn: true, ok: false, error: "delivery-status part too large" };
  try {
    return { isDsn: true, ok: true, dsn: decodeStatus(data.toString("utf8"), type === "message/global-delivery-status") };
  } catch (err) {
    return { isDsn: true, ok: false, error: `parsing delivery-status: ${err instanceof Error ? err.message : String(err)}` };
  }
}

type Fields = Array<[string, string]>;

function decodeStatus(text: string, utf8: boolean): ParsedDsn {
  const blocks = text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .filter((b) => b.trim() !== "")
    .map((b) => readHeaderFields(Buffer.from(`${b}\n`, "utf8")).fields);
  const [perMessage, ...perRecipient] = blocks;
  if (!perMessage || get(perMessage, "reporting-mta") === "") throw new Error('missing required field "Reporting-MTA"');
  if (perRecipient.length === 0) throw new Error("missing per-recipient fields");
  if (perRecipient.length > maxRecipients) throw new Error(`more than ${maxRecipients} recipients`);
  return {
    utf8,
    reportingMta: typed(get(perMessage, "reporting-mta")),
    originalEnvelopeId: get(perMessage, "original-envelope-id"),
    arrivalDate: date(get(perMessage, "arrival-date")),
    recipients: perRecipient.map(recipient),
  };
}

function recipient(fields: Fields): DsnRecipientReport {
  for (const required of ["final-recipient", "action", "status"]) {
    if (get(fields, required) === "") throw new Error(`missing required recipient field "${required}"`);
  }
  const status = removeComments(get(fields, "status")).trim();
  const diag = diagnostic(get(fields, "diagnostic-code"));
  const { smtpCode, enhancedCode } = codes(diag, status);
  return {
    finalRecipient: address(get(fields, "final-recipient")),
    originalRecipient: address(get(fields, "original-recipient")),
    action: get(fields, "action").toLowerCase(),
    status,
    diagnosticCode: diag,
    remoteMta: typed(get(fields, "remote-mta")),
    smtpCode,
    enhancedCode,
    lastAttemptDate: date(get(fields, "last-attempt-date")),
    willRetryUntil: date(get(fields, "will-retry-until")),
    fields,
  };
}

/**
 * mox's rule (queue/hook.go parseSMTPCodes, §2.9): `554 5.0.0 error` → 554 and `5.0.0`
 * (class from the code); without a code, Status 4.x.y → 400 and 5.x.y → 500.
 */
function codes(diag: string, status: string): { smtpCode: number; enhancedCode: string } {
  const m = /^(\d{3})(?:[ -]+([245])\.(\d{1,3}\.\d{1,3})\b)?/.exec(diag);
  if (m && Number(m[1]) < 600) return { smtpCode: Number(m[1]), enhancedCode: m[2] === "4" || m[2] === "5" ? enhancedCodeFor(Number(m[1]), m[3]!) : "" };
  const s = /^([45])\.(\d{1,3}\.\d{1,3})$/.exec(status);
  return s ? { smtpCode: s[1] === "4" ? 400 : 500, enhancedCode: `${s[1]}.${s[2]}` } : { smtpCode: 0, enhancedCode: "" };
}

// `smtp; 550 ...` → `550 ...`; other diagnostic types are ignored (mox rejects them).
function diagnostic(v: string): string {
  const semi = v.indexOf(";");
  return semi >= 0 && v.slice(0, semi).trim().toLowerCase() === "smtp" ? v.slice(semi + 1).trim() : "";
}

// `rfc822; a@b` / `utf-8; a\x{E9}@b` → the address, with \x{HEX} escapes decoded.
function address(v: string): string {
  const a = typed(v);
  return a.replace(/\\x\{([0-9A-Fa-f]{1,6})\}/g, (_, h: string) => String.fromCodePoint(Math.min(parseInt(h, 16), 0x10ffff)));
}

// Strips the `type;` prefix of a typed field and any comments.
function typed(v: string): string {
  const s = removeComments(v);
  const semi = s.indexOf(";");
  return (semi >= 0 ? s.slice(semi + 1) : s).trim();
}

function removeComments(s: string): string {
  let depth = 0;
  let out = "";
  for (const c of s) {
    if (c === "(") depth++;
    else if (c === ")" && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

function date(v: string): Date | null {
  if (v === "") return null;
  const d = new Date(removeComments(v).trim());
  return Number.isNaN(d.getTime()) ? null : d;
}

function get(fields: Fields, key: string): string {
  return fields.find(([k]) => k.toLowerCase() === key)?.[1] ?? "";
}
