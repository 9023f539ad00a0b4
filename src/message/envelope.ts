// Envelope-like header fields of the top-level message: addresses and subject
// through mailparser (its address parser and RFC 2047 decoding are well tested), plus the
// message-id fields and the Automated flag by mox's rules.
import type { AddressObject, EmailAddress as MpAddress } from "mailparser";
import { formatAddress, parseAddress } from "../smtp/index.js";
import { headerValue, headerValues, type HeaderField } from "./header.js";
import type { NameAddress } from "./types.js";

/** The envelope part of a ParsedMessage. */
export interface Envelope {
  From: NameAddress[];
  To: NameAddress[];
  CC: NameAddress[];
  BCC: NameAddress[];
  ReplyTo: NameAddress[];
  Subject: string;
  Date: Date | null;
  /** The Date header's zone, minutes east of UTC (`+0200` is 120); null without a Date. */
  DateOffset: number | null;
}

// Only these fields go to mailparser, so a header with thousands of other fields costs it
// nothing and it never sees Content-* fields that could make it look for a body.
const envelopeKeys = new Set(["from", "to", "cc", "bcc", "reply-to", "subject"]);

// mailparser takes ~0.3 s to load: it is imported on the first parse, not at start-up.
let mailparser: Promise<typeof import("mailparser")> | undefined;
const loadMailparser = () => (mailparser ??= import("mailparser"));

/** Parses From/To/CC/BCC/Reply-To/Subject (mailparser) and Date from the top-level fields. */
export async function parseEnvelope(raw: Buffer, fields: readonly HeaderField[]): Promise<Envelope> {
  const chunks = fields.filter((f) => envelopeKeys.has(f.key)).map((f) => withLineEnd(raw.subarray(f.start, f.end)));
  const { simpleParser } = await loadMailparser();
  const mail = await simpleParser(Buffer.concat([...chunks, Buffer.from("\r\n")]), {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
    skipTextLinks: true,
  });
  return {
    From: addresses(mail.from),
    To: addresses(mail.to),
    CC: addresses(mail.cc),
    BCC: addresses(mail.bcc),
    ReplyTo: addresses(mail.replyTo),
    Subject: mail.subject ?? "",
    Date: parseDate(headerValue(fields, "date")),
    DateOffset: parseDate(headerValue(fields, "date")) ? dateOffset(headerValue(fields, "date")) : null,
  };
}

// Like mailparser (new Date on the value) but null instead of "now" when it fails.
function parseDate(value: string): Date | null {
  if (value === "") return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

// RFC 5322 §3.3 zones, obsolete names included (§4.3); unknown names count as UTC, as Go does.
const namedZones: Record<string, number> = { UT: 0, GMT: 0, Z: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420 };

/** The zone of a Date header value in minutes east of UTC (`-0000` and unknown zones: 0). */
function dateOffset(value: string): number {
  const v = value.replace(/\([^)]*\)/g, " ").trim();
  const num = /([+-])(\d{2})(\d{2})$/.exec(v);
  if (num) return (num[1] === "-" ? -1 : 1) * (Number(num[2]) * 60 + Number(num[3]));
  const name = /([A-Za-z]+)$/.exec(v)?.[1]?.toUpperCase();
  return (name && namedZones[name]) || 0;
}

function withLineEnd(b: Buffer): Buffer {
  return b.length > 0 && b[b.length - 1] === 0x0a ? b : Buffer.concat([b, Buffer.from("\r\n")]);
}

// Groups are flattened (Go's net/mail does the same); entries without an address are dropped.
function addresses(obj: AddressObject | AddressObject[] | undefined): NameAddress[] {
  const list = obj === undefined ? [] : Array.isArray(obj) ? obj : [obj];
  const out: NameAddress[] = [];
  const add = (a: MpAddress): void => {
    if (a.group) a.group.forEach(add);
    else if (a.address) out.push({ Name: a.name ?? "", Address: normalizeAddress(a.address) });
  };
  list.forEach((o) => o.value.forEach(add));
  return out;
}

// mox returns addresses re-packed with a unicode, lowercase domain; unparsable ones as-is.
function normalizeAddress(addr: string): string {
  try {
    return formatAddress(parseAddress(addr));
  } catch {
    return addr; // keep what the message says rather than dropping a recipient
  }
}

/** The References list of the webapi MessageGet rule (docs/contract.md §1.5). */
export function messageGetReferences(fields: readonly HeaderField[]): string[] {
  const refs = headerValues(fields, "references").flatMap((v) => v.replaceAll("\t", " ").split(" ").filter((w) => w !== ""));
  const inReplyTo = headerValue(fields, "in-reply-to");
  return inReplyTo !== "" && !refs.includes(inReplyTo) ? [inReplyTo, ...refs] : refs;
}

/**
 * The References list of the webhook Incoming rule (docs/contract.md §2.2, mox ReferencedIDs):
 * `<id>` entries, lowercased, whitespace inside removed; truncated entries skipped.
 */
export function incomingReferences(fields: readonly HeaderField[]): string[] {
  const out: string[] = [];
  for (const v of headerValues(fields, "references")) {
    for (const m of v.matchAll(/<([^<>]*)>/g)) {
      const id = canonicalId(m[1]!.toLowerCase().replace(/[ \t]/g, ""));
      if (id !== "") out.push(`<${id}>`);
    }
  }
  return out;
}

// mox canonicalises the quotedness of the local part ("a"@b → a@b), keeping the host.
function canonicalId(id: string): string {
  try {
    const lp = parseAddress(id).localpart;
    return `${lp}@${id.slice(id.lastIndexOf("@") + 1)}`;
  } catch {
    return id; // not address-like: mox keeps the raw value
  }
}

/**
 * mox's Automated flag without the MAIL FROM part (the caller's `automatedHint`): list
 * or precedence headers with a value, Auto-Submitted other than `no`, or multipart/report.
 */
export function isAutomated(fields: readonly HeaderField[], contentType: string): boolean {
  const listy = ["list-id", "list-unsubscribe", "list-unsubscribe-post", "precedence"];
  if (listy.some((k) => headerValue(fields, k) !== "")) return true;
  const auto = headerValue(fields, "auto-submitted").trim();
  return (auto !== "" && auto.toLowerCase() !== "no") || contentType === "multipart/report";
}
