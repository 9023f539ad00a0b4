// `include=raw` and `include=headers` on the stream: incoming frames of such a subscriber also
// carry the message itself (Mailsac-style consumers want one frame per message). The stored
// message is read once per event (not per subscriber) before a page is fanned out, and each
// variant of the frame is built once and shared.
import type { DbOrTx } from "../db/index.js";
import { readHeaderFields } from "../message/index.js";
import { getMessage } from "../store/index.js";
import { EventStreamError } from "./errors.js";
import type { StreamEvent, Subscriber } from "./subscriber.js";

/** What a subscriber asked to add to incoming frames. */
export type Include = { raw: boolean; headers: boolean };

/** Largest raw message sent in a frame; a larger one is announced by its size only. */
export const maxRawBytes = 1 << 20;

/** Parses the `include` query parameter ("raw", "headers", comma-separated). @throws EventStreamError badRequest. */
export function parseInclude(items: readonly string[]): Include | null {
  if (!items.length) return null;
  const inc: Include = { raw: false, headers: false };
  for (const i of items) {
    if (i === "raw") inc.raw = true;
    else if (i === "headers") inc.headers = true;
    else throw new EventStreamError("badRequest", `unknown include ${JSON.stringify(i.slice(0, 40))}, use raw or headers`);
  }
  return inc;
}

/** Loads the stored messages of the page's incoming events when a subscriber wants them. */
export async function prepareIncludes(db: DbOrTx, accountId: number, events: readonly StreamEvent[], subs: Iterable<Subscriber>): Promise<void> {
  let wanted = false;
  for (const s of subs) if (s.include) wanted = true;
  if (!wanted) return;
  for (const ev of events) {
    if (ev.kind !== "incoming" || !ev.messageId || ev.stored !== undefined) continue;
    const m = await getMessage(db, accountId, ev.messageId);
    ev.stored = m ? Buffer.from(m.raw) : null;
  }
}

/** The frame for this subscriber: the shared one, or (incoming, with include) the variant with Raw/Headers. */
export function frameFor(sub: Subscriber, ev: StreamEvent): Buffer {
  const inc = sub.include;
  if (!inc || ev.kind !== "incoming" || !ev.stored) return ev.frame;
  const key = `${inc.raw ? "r" : ""}${inc.headers ? "h" : ""}`;
  ev.variants ??= new Map();
  let f = ev.variants.get(key);
  if (f) return f;
  const raw = ev.stored;
  let extra = "";
  if (inc.raw) extra += raw.length <= maxRawBytes ? `,"Raw":"${raw.toString("base64")}","RawSize":${raw.length}` : `,"Raw":null,"RawSize":${raw.length}`;
  if (inc.headers) {
    let fields: [string, string][] = [];
    try {
      fields = readHeaderFields(raw).fields;
    } catch {
      fields = []; // a header section over 1 MiB: no list (the raw message, if asked for, still says it all)
    }
    extra += `,"Headers":${JSON.stringify(fields)}`;
  }
  f = Buffer.concat([ev.frame.subarray(0, ev.frame.length - 1), Buffer.from(`${extra}}`)]);
  ev.variants.set(key, f);
  return f;
}
