// One-click unsubscribe (RFC 8058, docs/api.md "One-click unsubscribe"): the List-Unsubscribe
// and List-Unsubscribe-Post fields of categorized mail, and their signed tokens. A token names
// the account, recipient, category, message and issue time, signed with a key kept in the
// database (one per installation, so every instance verifies every link).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { schema, type Db } from "../db/index.js";
import type { OutboundRow } from "./queries.js";

/** What a valid token grants: opting this recipient out of this category. */
export type UnsubscribeGrant = { accountId: number; address: string; category: string; queueMsgId: number; issuedAt: Date };

/** The signing key (made on first use; concurrent first uses agree on the stored one). */
export async function loadUnsubscribeKey(db: Db): Promise<Buffer> {
  await db.insert(schema.unsubscribeKeys).values({ id: 1, key: randomBytes(32) }).onConflictDoNothing();
  const [r] = await db.select().from(schema.unsubscribeKeys);
  return r!.key;
}

const b64 = (s: string) => Buffer.from(s).toString("base64url");
const mac = (key: Buffer, body: string) => createHmac("sha256", key).update(`unsubscribe.${body}`).digest("base64url");

/** A token for one recipient and category of a message. */
export function unsubscribeToken(key: Buffer, g: UnsubscribeGrant): string {
  const body = [g.accountId, g.queueMsgId, g.issuedAt.getTime(), b64(g.address), b64(g.category)].join(".");
  return `${body}.${mac(key, body)}`;
}

const tokenRe = /^(\d{1,15})\.(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{1,700})\.([A-Za-z0-9_-]{1,100})\.([A-Za-z0-9_-]{43})$/;

/** The grant of a well-formed token with a valid signature, else null. */
export function verifyUnsubscribeToken(key: Buffer, token: string): UnsubscribeGrant | null {
  const m = tokenRe.exec(token);
  if (!m) return null;
  const body = token.slice(0, token.lastIndexOf("."));
  const want = Buffer.from(mac(key, body));
  const got = Buffer.from(m[6]!);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  return {
    accountId: Number(m[1]),
    queueMsgId: Number(m[2]),
    issuedAt: new Date(Number(m[3])),
    address: Buffer.from(m[4]!, "base64url").toString(),
    category: Buffer.from(m[5]!, "base64url").toString(),
  };
}

/**
 * The header fields of a categorized message for one recipient: List-Unsubscribe with the https
 * link (on `publicUrl`, under the webapi mount) and a mailto to the sender's From address, and
 * List-Unsubscribe-Post. The first category is the one a click opts out of.
 */
export function unsubscribeHeaders(key: Buffer, publicUrl: string, row: OutboundRow, now: Date): [string, string][] {
  const category = row.categories[0];
  if (!category || !publicUrl) return [];
  const token = unsubscribeToken(key, { accountId: row.accountId, address: row.recipient, category, queueMsgId: row.id, issuedAt: now });
  const url = new URL(`webapi/unsubscribe/${token}`, publicUrl.endsWith("/") ? publicUrl : `${publicUrl}/`).toString();
  const links = [`<${url}>`];
  if (row.msgFrom) links.push(`<mailto:${row.msgFrom}?subject=unsubscribe%20${encodeURIComponent(category)}>`);
  return [
    ["List-Unsubscribe", links.join(", ")],
    ["List-Unsubscribe-Post", "List-Unsubscribe=One-Click"],
  ];
}
