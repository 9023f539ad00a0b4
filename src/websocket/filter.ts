import { isEventKind, outgoingEventKinds, type EventKind } from "../events/index.js";
import { globalAddress, recipientAddress } from "../push/index.js";
import { EventStreamError } from "./errors.js";

/** One address a subscriber asked for; it also matches catchall variants (`user+tag@d`). */
export type AddressRule = { address: string; local: string; domain: string; separator: string };

/** What a subscriber (or an EventList call) receives. Applied in-process to the account's log. */
export type StreamFilter = {
  /** Event kinds to pass; null: every kind. */
  kinds: ReadonlySet<EventKind> | null;
  /** Addresses to pass; null: every address of the account. */
  addresses: readonly AddressRule[] | null;
  /**
   * The push recipient this connection is (a PushRecipientRegister token), with its topics;
   * null: no push events at all (basic auth, EventTokenCreate tokens, EventList).
   */
  push?: { recipientId: number; topics: ReadonlySet<string> } | null;
};

/** Most addresses or kinds one filter may name. */
export const maxFilterItems = 100;

/** Splits a comma-separated query parameter into trimmed, non-empty items. */
export function splitList(param: string | null | undefined): string[] {
  if (!param) return [];
  return param
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * Validates event kind names; `outgoing` stands for every delivery event. Returns them without
 * duplicates. @throws EventStreamError (badRequest) on an unknown name.
 */
export function parseKinds(names: readonly string[]): EventKind[] {
  if (names.length > maxFilterItems) throw new EventStreamError("badRequest", `at most ${maxFilterItems} kinds`);
  const out = new Set<EventKind>();
  for (const raw of names) {
    const n = raw.toLowerCase();
    if (n === "outgoing") for (const k of outgoingEventKinds) out.add(k);
    else if (isEventKind(n)) out.add(n);
    else throw new EventStreamError("badRequest", `unknown event kind ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return [...out];
}

/** A rule for a lowercase address whose domain uses `separator` for catchall variants ("" for none). */
export function addressRule(address: string, separator: string): AddressRule {
  const at = address.lastIndexOf("@");
  return { address, local: address.slice(0, at), domain: address.slice(at + 1), separator };
}

/**
 * True when an event (kind and lowercase recipient/sender address) passes the filter. A push
 * event passes only a push recipient's filter: addressed to it (or global), and with no topic or
 * one of its topics.
 */
export function matchesFilter(f: StreamFilter, ev: { kind: string; address: string; topic?: string }): boolean {
  if (f.kinds && !f.kinds.has(ev.kind as EventKind)) return false;
  if (ev.kind === "push") {
    if (!f.push) return false;
    if (ev.address !== globalAddress && ev.address !== recipientAddress(f.push.recipientId)) return false;
    return !ev.topic || f.push.topics.has(ev.topic);
  }
  if (!f.addresses) return true;
  for (const r of f.addresses) {
    if (ev.address === r.address) return true;
    if (r.separator && ev.address.endsWith(`@${r.domain}`) && ev.address.startsWith(r.local + r.separator)) return true;
  }
  return false;
}
