import { PushError } from "./errors.js";

/** Largest Message (its JSON text, UTF-8). */
export const maxMessageBytes = 64 * 1024;
/** Default and longest life of a push. */
export const pushLifetime = { defaultMs: 24 * 3600_000, maxMs: 30 * 24 * 3600_000 } as const;
/** Most recipients one PushMessage names. */
export const maxRecipients = 1000;

/** Checks an app's recipient id: 1-128 characters, no control characters. @throws PushError user. */
export function checkRecipient(r: string): string {
  if (r.length < 1 || r.length > 128 || /[\x00-\x1f\x7f]/.test(r)) {
    throw new PushError("user", `recipient must be 1 to 128 characters without control characters, got ${JSON.stringify(r.slice(0, 40))}`);
  }
  return r;
}

/** Checks a topic name ("" for none): up to 128 characters, no control characters or commas. */
export function checkTopic(t: string): string {
  if (t.length > 128 || /[\x00-\x1f\x7f,]/.test(t)) throw new PushError("user", `topic must be up to 128 characters without control characters or commas`);
  return t;
}

/** The JSON text of a Message, refused over 64 KiB. */
export function messageText(message: unknown): string {
  const text = JSON.stringify(message === undefined ? null : message);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxMessageBytes) throw new PushError("user", `message is ${bytes} bytes of JSON, at most ${maxMessageBytes} allowed`);
  return text;
}

/** The expiry of a new push: the default when not given, refused in the past or too far ahead. */
export function expiryOf(expiresAt: Date | null, now: Date): Date {
  if (!expiresAt) return new Date(now.getTime() + pushLifetime.defaultMs);
  if (expiresAt.getTime() <= now.getTime()) throw new PushError("user", "ExpiresAt is in the past");
  if (expiresAt.getTime() > now.getTime() + pushLifetime.maxMs) throw new PushError("user", "ExpiresAt is more than 30 days ahead");
  return expiresAt;
}
