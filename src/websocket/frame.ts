import type { LoggedEvent } from "../events/index.js";

/**
 * One event as the stream and EventList carry it: `{"Cursor","Kind","Event","Payload"}`, built
 * by concatenation so Payload is the log's JSON text byte for byte (the webhook body), never
 * re-serialised. Kind is `incoming`, `outgoing` or `push`; Event is the event kind itself.
 */
export function eventJson(ev: Pick<LoggedEvent, "cursor" | "kind" | "payload">): string {
  const kind = ev.kind === "incoming" || ev.kind === "push" ? ev.kind : "outgoing";
  // The log stores JSON written by our serialisers; an empty text would break the frame.
  const payload = ev.payload === "" ? "null" : ev.payload;
  return `{"Cursor":${JSON.stringify(ev.cursor)},"Kind":"${kind}","Event":${JSON.stringify(ev.kind)},"Payload":${payload}}`;
}

/** The first frame of a stream: what it listens to and the position it starts after. */
export function listeningFrame(addresses: readonly string[], cursor: string): string {
  return JSON.stringify({ status: 200, msg: "Listening", addresses, cursor });
}

/** A refusal sent as the only frame before close 1008 (browsers see no HTTP status). */
export function errorFrame(status: number, msg: string): string {
  return JSON.stringify({ status, msg });
}
