// Webapi request fuzzing (docs/guarantees.md C): random methods, HTTP verbs, content types, form
// bodies and request JSON (known fields with wrong types, unknown keys, __proto__, deep
// nesting, huge numbers, control characters) against a running server. Every answer must be a
// documented status; a 400 must be JSON `{"Code","Message"}` with a known code other than
// `server` (an unhandled error); never a 5xx.
import fc from "fast-check";
import { apiErrorCodes } from "../../../src/api/errors.js";
import { login } from "./drivers.js";

/** Known methods and their request fields (for plausible-but-wrong requests). */
const fields: Record<string, string[]> = {
  Send: ["From", "To", "CC", "BCC", "ReplyTo", "MessageID", "References", "Date", "Subject", "Text", "HTML", "Extra", "Headers", "AlternativeFiles", "InlineFiles", "AttachedFiles", "RequireTLS", "FutureRelease", "SaveSent"],
  MessageGet: ["MsgID"],
  MessageRawGet: ["MsgID"],
  MessagePartGet: ["MsgID", "PartPath"],
  MessageDelete: ["MsgID"],
  MessageFlagsAdd: ["MsgID", "Flags"],
  MessageFlagsRemove: ["MsgID", "Flags"],
  MessageMove: ["MsgID", "DestMailboxName"],
  MessageList: ["Mailbox", "Address", "Text", "ReceivedAfter", "ReceivedBefore", "Limit", "Cursor"],
  MessageWait: ["Address", "Subject", "Text", "Cursor", "Timeout"],
  EventList: ["Cursor", "Addresses", "Kinds", "Limit"],
  EventTokenCreate: ["Addresses", "Kinds", "Origin", "TTL"],
  SuppressionList: [],
  SuppressionAdd: ["EmailAddress", "Manual", "Reason"],
  SuppressionRemove: ["EmailAddress"],
  SuppressionPresent: ["EmailAddress"],
  WebhookConfigGet: [],
  WebhookList: ["Kind", "Event", "Status", "Cursor", "Limit"],
  WebhookGet: ["ID"],
  WebhookRedeliver: ["ID"],
};
const oddNames = ["../admin", "%2e%2e/", "Send/x", "send", "constructor", "__proto__", "toString", "hasOwnProperty", "x".repeat(5000), "Send%00", "Sénd", ""];

const leafValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.integer(),
  fc.constantFrom(0, -1, 1, 2 ** 53 + 1, 1e308, -0, 0.5, 2 ** 31),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom("a@example.com", "mox@localhost", "<x@y>", "\u0000", "\r\nBcc: x@y", "2024-02-30T25:61:00Z", "0001-01-01T00:00:00Z", "=?utf-8?B?w6Q=?=", "!!!base64"),
);
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    leafValue,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom("Name", "Address", "Data", "ContentType", "x", "__proto__", "constructor"), tie("v"), { maxKeys: 3 }),
  ),
})).v;

/** The request field's text: JSON of a plausible object, raw JSON, or not JSON at all. */
const requestText = (method: string) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.dictionary(fc.constantFrom(...(Object.hasOwn(fields, method) ? fields[method]! : ["x"]), "Unknown", "__proto__", "msgid"), value, { maxKeys: 5 }).map((o) => JSON.stringify(o)) },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.constantFrom("", "{", "[]", "null", "1", '"x"', "{}", '{"MsgID":1}{', "[".repeat(10_000), '{"__proto__":{"admin":true}}', "{\"MsgID\":\"1\"}", "\u0000") },
    { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
  );

/** One fuzz request. */
export const webapiCase = fc
  .record({
    method: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...Object.keys(fields)) }, { weight: 1, arbitrary: fc.constantFrom(...oddNames) }),
    verb: fc.constantFrom("POST", "POST", "POST", "POST", "GET", "PUT", "DELETE"),
    encoding: fc.constantFrom("form", "form", "multipart", "json", "text", "none", "twice"),
    auth: fc.constantFrom("ok", "ok", "ok", "ok", "none", "garbage"),
    seed: fc.nat(),
  })
  .chain((c) => requestText(c.method).map((request) => ({ ...c, request })));
export type WebapiCase = { method: string; verb: string; encoding: string; auth: string; request: string };

/** Statuses the webapi documents (docs/api.md); anything else is a finding. */
const documented = new Set([200, 303, 400, 401, 403, 404, 405, 413, 415, 429]);

/** Sends one case; returns the problems seen (empty when the answer is as documented). */
export async function runWebapiCase(httpPort: number, c: WebapiCase): Promise<{ status: number; problems: string[] }> {
  let request = c.request;
  if (c.method === "MessageWait") request = request.replace(/"Timeout":[^,}]*/g, '"Timeout":1'); // the property is the answer, not the wait
  const headers: Record<string, string> = {};
  if (c.auth === "ok") headers.Authorization = `Basic ${Buffer.from(`${login.user}:${login.password}`).toString("base64")}`;
  if (c.auth === "garbage") headers.Authorization = "Basic !!!";
  let body: RequestInit["body"];
  if (c.verb !== "GET") {
    if (c.encoding === "form") body = new URLSearchParams({ request });
    else if (c.encoding === "twice") body = `request=${encodeURIComponent(request)}&request=${encodeURIComponent("{}")}`;
    else if (c.encoding === "multipart") {
      const f = new FormData();
      f.set("request", request);
      f.set("attachedfile", new Blob([Buffer.from("file data")]), "../../x.bin");
      body = f;
    } else if (c.encoding === "json") {
      body = request;
      headers["Content-Type"] = "application/json";
    } else if (c.encoding === "text") {
      body = request;
      headers["Content-Type"] = "text/plain";
    } else body = Buffer.from(request);
    if (c.encoding === "twice") headers["Content-Type"] = "application/x-www-form-urlencoded";
  }
  const url = `http://127.0.0.1:${httpPort}/webapi/v0/${c.method}`;
  const problems: string[] = [];
  let r: Response;
  try {
    r = await fetch(url, { method: c.verb, headers, body, redirect: "manual", signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    return { status: 0, problems: [`no answer: ${String((err as Error).cause ?? err)}`] };
  }
  const text = await r.text();
  if (!documented.has(r.status)) problems.push(`undocumented status ${r.status}: ${text.slice(0, 200)}`);
  if (r.status === 400) {
    let parsed: { Code?: unknown; Message?: unknown } | null = null;
    try {
      parsed = JSON.parse(text) as { Code?: unknown; Message?: unknown };
    } catch {
      problems.push(`400 without a JSON body: ${text.slice(0, 200)}`);
    }
    if (parsed && (typeof parsed.Code !== "string" || !(apiErrorCodes as readonly string[]).includes(parsed.Code) || typeof parsed.Message !== "string")) {
      problems.push(`400 body is not {"Code","Message"} with a known code: ${text.slice(0, 200)}`);
    }
    if (parsed?.Code === "server") problems.push(`unhandled error (Code "server"): ${text.slice(0, 200)}`);
    if (!(r.headers.get("content-type") ?? "").startsWith("application/json")) problems.push(`400 with content type ${r.headers.get("content-type")}`);
  }
  if (r.status === 200 && c.verb === "POST" && (r.headers.get("content-type") ?? "").startsWith("application/json")) {
    try {
      JSON.parse(text);
    } catch {
      problems.push(`200 with invalid JSON: ${text.slice(0, 200)}`);
    }
  }
  return { status: r.status, problems };
}
