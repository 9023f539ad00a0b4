// Per-account webhook settings (docs/contract.md §2.4): incoming and outgoing targets, the outgoing
// event filter, signing secrets, and the 410-disabled state. Two writers: the config file (and
// localserve flags) through syncWebhookConfig at start, and the webapi through setWebhookConfig.
// A target remembers which one set it, so a restart re-applies the config file without wiping
// what the webapi set for accounts the file says nothing about.
import { and, eq, isNull, sql } from "drizzle-orm";
import { statement, type DbOrTx, type Tx, schema } from "../db/index.js";
import { OUTGOING_EVENTS, outgoingEventKinds } from "../events/index.js";
import { InvalidWebhookConfigError } from "./errors.js";
import { generateSecret, parseSecret } from "./sign.js";

const { webhookConfigs } = schema;

/** A stored configuration row. */
export type ConfigRow = typeof webhookConfigs.$inferSelect;

/** Outgoing events sent when an account lists none: mox's eight. `queued` is sent only when listed. */
export const DEFAULT_OUTGOING_EVENTS: readonly string[] = OUTGOING_EVENTS;

/** A destination as configured. */
export type WebhookTargetInput = { url: string; authorization?: string };
/** The outgoing destination with its event filter (empty: {@link DEFAULT_OUTGOING_EVENTS}). */
export type OutgoingTargetInput = WebhookTargetInput & { events?: readonly string[] };

/** What the config file (or localserve's flags) says about one account. */
export type WebhookConfigInput = {
  /** Absent: the file sets none (a target set earlier by the file is removed, one set by the webapi kept). */
  incoming?: WebhookTargetInput | null;
  outgoing?: OutgoingTargetInput | null;
  /** `whsec_` secrets, newest first; absent keeps the stored ones (one is generated when there are none). */
  secrets?: readonly string[];
};

/** What the webapi's WebhookConfigSet replaces (a URL of "" removes that target). */
export type WebhookConfigUpdate = {
  incoming: WebhookTargetInput;
  outgoing: OutgoingTargetInput;
  /** A secret to sign with from now on, "" for none; the previous newest keeps signing too. */
  newSecret: string;
  /** Generate a new secret (rotation); the previous newest keeps signing too. */
  generateSecret: boolean;
  /** Keep only the newest secret (ends a rotation). */
  dropOldSecrets: boolean;
};

/** One target as stored. */
export type TargetView = {
  url: string;
  authorization: string;
  source: "config" | "api";
  /** Set when the receiver answered 410 Gone; cleared when the target is reconfigured. */
  disabledAt: Date | null;
  disabledReason: string;
};

/** An account's webhook settings. */
export type WebhookConfigView = {
  incoming: TargetView | null;
  outgoing: (TargetView & { events: string[] }) | null;
  secrets: string[];
};

/** Loads an account's row, or null when it has never been configured. */
export async function loadConfigRow(db: DbOrTx, accountId: number): Promise<ConfigRow | null> {
  const [row] = await selectConfigRow(db, { accountId });
  return row ?? null;
}

const selectConfigRow = statement<{ accountId: number }, ConfigRow[]>("select_webhook_config", (d) =>
  d.select().from(webhookConfigs).where(eq(webhookConfigs.accountId, sql.placeholder("accountId"))),
);

/** The view of a row (null row: nothing configured). */
export function configView(row: ConfigRow | null): WebhookConfigView {
  if (!row) return { incoming: null, outgoing: null, secrets: [] };
  const target = (k: "incoming" | "outgoing"): TargetView | null =>
    row[`${k}Url`] === ""
      ? null
      : {
          url: row[`${k}Url`],
          authorization: row[`${k}Authorization`],
          source: row[`${k}Source`],
          disabledAt: row[`${k}DisabledAt`],
          disabledReason: row[`${k}DisabledReason`],
        };
  const outgoing = target("outgoing");
  return { incoming: target("incoming"), outgoing: outgoing && { ...outgoing, events: row.outgoingEvents }, secrets: row.secrets };
}

/** Where an event of `kind` goes for this account, or null (not configured, filtered out, disabled). */
export function targetFor(row: ConfigRow, kind: string): { url: string; authorization: string } | null {
  if (kind === "push") return null; // push messages go to WebSocket connections only
  if (kind === "incoming") {
    if (row.incomingUrl === "" || row.incomingDisabledAt) return null;
    return { url: row.incomingUrl, authorization: row.incomingAuthorization };
  }
  if (row.outgoingUrl === "" || row.outgoingDisabledAt) return null;
  const events = row.outgoingEvents.length ? row.outgoingEvents : DEFAULT_OUTGOING_EVENTS;
  return events.includes(kind) ? { url: row.outgoingUrl, authorization: row.outgoingAuthorization } : null;
}

/** Checks and normalizes an event filter: known names, no repeats. */
export function checkEvents(events: readonly string[]): string[] {
  for (const e of events) {
    if (!(outgoingEventKinds as readonly string[]).includes(e)) {
      throw new InvalidWebhookConfigError(`unknown outgoing webhook event ${JSON.stringify(e)}`);
    }
  }
  return [...new Set(events)];
}

function checkSecrets(secrets: readonly string[]): string[] {
  for (const s of secrets) parseSecret(s);
  return [...secrets];
}

type Fields = Omit<typeof webhookConfigs.$inferInsert, "accountId">;

async function upsert(tx: Tx, accountId: number, set: Fields, now: Date): Promise<ConfigRow> {
  const values = { ...set, updatedAt: now };
  const [row] = await tx
    .insert(webhookConfigs)
    .values({ accountId, ...values })
    .onConflictDoUpdate({ target: webhookConfigs.accountId, set: values })
    .returning();
  return row!;
}

// The fields of one target given by the config file; reconfiguring clears the 410 state.
function syncTarget(k: "incoming" | "outgoing", cur: ConfigRow | null, t: WebhookTargetInput | null | undefined): Fields {
  const auth = t?.authorization ?? "";
  if (!t) {
    if (!cur || cur[`${k}Source`] !== "config") return {};
    return { [`${k}Url`]: "", [`${k}Authorization`]: "", [`${k}DisabledAt`]: null, [`${k}DisabledReason`]: "" };
  }
  const changed = !cur || cur[`${k}Url`] !== t.url || cur[`${k}Authorization`] !== auth;
  const f: Fields = { [`${k}Url`]: t.url, [`${k}Authorization`]: auth, [`${k}Source`]: "config" };
  return changed ? { ...f, [`${k}DisabledAt`]: null, [`${k}DisabledReason`]: "" } : f;
}

/**
 * Applies the config file's (or localserve's) webhook settings for one account, inside the
 * caller's transaction. URLs are checked with `checkUrl` (the SSRF guard's static check; it
 * throws for a refused destination). Unchanged settings keep their 410-disabled state.
 */
export async function syncConfig(
  tx: Tx,
  accountId: number,
  input: WebhookConfigInput,
  o: { checkUrl: (url: string) => void; now: Date },
): Promise<WebhookConfigView> {
  if (input.incoming) o.checkUrl(input.incoming.url);
  if (input.outgoing) o.checkUrl(input.outgoing.url);
  const events = input.outgoing ? checkEvents(input.outgoing.events ?? []) : undefined;
  const given = input.secrets?.length ? checkSecrets(input.secrets) : null;
  const cur = await loadConfigRow(tx, accountId);
  const set: Fields = { ...syncTarget("incoming", cur, input.incoming), ...syncTarget("outgoing", cur, input.outgoing) };
  if (events) set.outgoingEvents = events;
  else if (cur?.outgoingSource === "config" && !input.outgoing) set.outgoingEvents = [];
  if (given) Object.assign(set, { secrets: given, secretsSource: "config" });
  else if (!cur?.secrets.length) Object.assign(set, { secrets: [generateSecret()], secretsSource: "generated" });
  return configView(await upsert(tx, accountId, set, o.now));
}

function apiTarget(k: "incoming" | "outgoing", t: WebhookTargetInput): Fields {
  const url = t.url.trim();
  return {
    [`${k}Url`]: url,
    [`${k}Authorization`]: url === "" ? "" : (t.authorization ?? ""),
    [`${k}Source`]: "api",
    [`${k}DisabledAt`]: null,
    [`${k}DisabledReason`]: "",
  };
}

/** Replaces an account's settings from the webapi; saving always clears a 410-disabled state. */
export async function updateConfig(
  tx: Tx,
  accountId: number,
  u: WebhookConfigUpdate,
  o: { now: Date },
): Promise<WebhookConfigView> {
  const events = checkEvents(u.outgoing.url.trim() === "" ? [] : (u.outgoing.events ?? []));
  const cur = await loadConfigRow(tx, accountId);
  let secrets = cur?.secrets ?? [];
  if (u.newSecret !== "") secrets = [...checkSecrets([u.newSecret]), ...secrets.slice(0, 1)];
  if (u.generateSecret) secrets = [generateSecret(), ...secrets.slice(0, 1)];
  if (u.dropOldSecrets) secrets = secrets.slice(0, 1);
  if (secrets.length === 0) secrets = [generateSecret()];
  const set: Fields = { ...apiTarget("incoming", u.incoming), ...apiTarget("outgoing", u.outgoing), outgoingEvents: events };
  if (secrets !== cur?.secrets) Object.assign(set, { secrets: [...new Set(secrets)], secretsSource: "api" });
  return configView(await upsert(tx, accountId, set, o.now));
}

/**
 * Disables a target after a 410 Gone from `url`, unless it was reconfigured to another URL
 * meanwhile. Events are not turned into webhooks for it until it is reconfigured.
 */
export async function disableTarget(tx: Tx, accountId: number, kind: "incoming" | "outgoing", url: string, reason: string, now: Date): Promise<void> {
  const c = webhookConfigs;
  const [urlCol, atCol] = kind === "incoming" ? [c.incomingUrl, c.incomingDisabledAt] : [c.outgoingUrl, c.outgoingDisabledAt];
  await tx
    .update(c)
    .set({ [`${kind}DisabledAt`]: now, [`${kind}DisabledReason`]: reason, updatedAt: now })
    .where(and(eq(c.accountId, accountId), eq(urlCol, url), isNull(atCol)));
}
