/**
 * The page shell every screen shares: header with the account and mailboxes, the CSRF token
 * for the script, and the stylesheet and script served from /ui/assets/.
 */
import { h, type Html } from "./html.js";

/** What the shell shows around a page's content. */
export type Shell = {
  title: string;
  /** The logged-in (or open) account's name; absent on the login page. */
  account?: string;
  /** Shown when the account logged in (a logout button); false in loginless mode. */
  canLogout?: boolean;
  csrf?: string;
  /** Mailboxes for the navigation. */
  mailboxes?: { id: number; name: string; unread: number; current: boolean }[];
  version: string;
  /** Which top-level screen is shown (marked in the header). */
  section?: "mail" | "outgoing" | "webhooks";
  /** Extra attributes for <body> (data-* read by the script). */
  bodyData?: Record<string, string>;
};

/** Renders a full page. */
export function page(s: Shell, content: Html): string {
  const data = Object.entries(s.bodyData ?? {}).map(([k, v]) => h` data-${k}="${v}"`);
  return `<!doctype html>${h`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex,nofollow">
${s.csrf ? h`<meta name="postwire-csrf" content="${s.csrf}">` : ""}
<title>${s.title} · Postwire</title>
<link rel="stylesheet" href="/ui/assets/app.css">
<script src="/ui/assets/app.js" defer></script>
</head>
<body${data}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">Postwire</a>
  ${s.account ? sections(s.section ?? "mail") : ""}
  ${s.mailboxes ? nav(s.mailboxes) : ""}
  <span class="spacer"></span>
  ${s.account ? h`<span class="who">${s.account}</span>` : ""}
  <a href="/webapi/v0/">API</a>
  ${s.canLogout ? h`<form method="post" action="/ui/logout" class="inline"><input type="hidden" name="csrf" value="${s.csrf}"><button class="link">Log out</button></form>` : ""}
</header>
<main id="main" tabindex="-1">${content}</main>
<footer>Postwire ${s.version}</footer>
</body>
</html>`}`;
}

function sections(current: NonNullable<Shell["section"]>): Html {
  const link = (id: NonNullable<Shell["section"]>, href: string, label: string) =>
    h`<a href="${href}"${id === current ? h` aria-current="page"` : ""}>${label}</a>`;
  return h`<nav class="sections" aria-label="Sections">${link("mail", "/", "Mail")}${link("outgoing", "/ui/outgoing", "Outgoing")}${link("webhooks", "/ui/webhooks", "Webhooks")}</nav>`;
}

function nav(mailboxes: NonNullable<Shell["mailboxes"]>): Html {
  return h`<nav aria-label="Mailboxes">${mailboxes.map(
    (m) =>
      h`<a href="/?mailbox=${String(m.id)}"${m.current ? h` aria-current="page"` : ""}>${m.name}${m.unread ? h` <span class="count" data-unread-for="${String(m.id)}">${String(m.unread)}</span>` : ""}</a>`,
  )}</nav>`;
}
