/**
 * HTML written with hono's `html` tag: every interpolated string is escaped, nested templates
 * and `raw()` values are kept. All values here are synchronous, so the result is a string.
 */
import { html as honoHtml, raw } from "hono/html";

/** An HTML fragment whose text is already escaped. */
export type Html = ReturnType<typeof raw>;

/** Tagged template: escapes interpolated strings, keeps nested fragments. */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return honoHtml(strings, ...values) as Html;
}

export { raw };

/** A byte count as people read it (1.2 kB, 3.4 MB). */
export function formatSize(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB"];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** A time for a list: hh:mm today, else the date (UTC, ISO order; the title attribute has it all). */
export function formatTime(d: Date, now: Date): string {
  const iso = d.toISOString();
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? iso.slice(11, 16) : iso.slice(0, 10);
}
