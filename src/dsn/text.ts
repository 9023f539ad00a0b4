// The human-readable first part of a DSN, worded like mox's queue/dsn.go.
import { formatMessageDate } from "../message/index.js";
import type { DsnComposeRequest, DsnRecipient } from "./types.js";

/** Text with LF line ends for the first part of a DSN. */
export function humanText(req: DsnComposeRequest): string {
  const list = req.recipients.map((r) => `\t${r.address}`).join("\n");
  let s =
    req.kind === "failed"
      ? `\nDelivery has failed permanently for your email to:\n\n${list}\n\nNo further deliveries will be attempted.\n`
      : `\nDelivery has been delayed of your email to:\n\n${list}\n\n${retryText(req.recipients)}\nIf these attempts all fail, you will receive a notice.\n`;
  for (const r of req.recipients) s += errorText(r, req.recipients.length > 1);
  return s;
}

// mox promises "4 hours, 8 hours and 16 hours" while its backoff waits less (docs/contract.md
// §3.3, doc≠code); we state the actual give-up time instead when the caller knows it.
function retryText(recipients: readonly DsnRecipient[]): string {
  const until = recipients.find((r) => r.willRetryUntil)?.willRetryUntil;
  return until ? `Further delivery attempts will be made until ${formatMessageDate(until)}.` : "Further delivery attempts will be made.";
}

function errorText(r: DsnRecipient, named: boolean): string {
  const error = r.error ?? r.statusComment ?? "";
  let s = error ? `\nError during the last delivery attempt${named ? ` to ${r.address}` : ""}:\n\n\t${oneLine(error)}\n` : "";
  if (r.diagnosticCode) s += `\nFull SMTP response:\n\n\t${oneLine(r.diagnosticCode)}\n`;
  return s;
}

// Remote replies are untrusted: no control characters in the text part.
function oneLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]+/g, " ").trim();
}
