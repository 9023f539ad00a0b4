/**
 * The stylesheet and the script of the interface, served from /ui/assets/. The pages work
 * without the script (forms post and redirect); the script adds live rows from the event
 * stream, the unread count in the title, confirmation, marking a message read on open and
 * keyboard shortcuts. Plain browser JavaScript, no build step.
 */

/** The stylesheet: one column on phones, a denser list on wide screens. */
export const appCss = `:root { --fg: #1d2430; --muted: #5b6575; --line: #d9dee6; --bg: #fff; --accent: #0b5fff; --soft: #f3f6fb; --danger: #b42318; color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 1px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 2; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 16px; padding: 8px 16px; border-bottom: 1px solid var(--line); background: var(--soft); }
header.top .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
header.top nav { display: flex; flex-wrap: wrap; gap: 4px 12px; }
header.top nav a[aria-current] { font-weight: 700; color: var(--fg); }
header.top .spacer { flex: 1; }
.who { color: var(--muted); }
.count { display: inline-block; min-width: 1.6em; padding: 0 5px; border-radius: 9px; background: var(--accent); color: #fff; font-size: 12px; text-align: center; }
main { padding: 12px 16px; max-width: 1200px; margin: 0 auto; }
main:focus { outline: none; }
footer { padding: 16px; color: var(--muted); font-size: 12px; text-align: center; }
h1 { font-size: 20px; margin: 4px 0 8px; overflow-wrap: anywhere; }
h2 { font-size: 16px; margin: 20px 0 8px; }
.count-line { font-size: 14px; font-weight: 400; color: var(--muted); }
.bar { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; justify-content: space-between; }
.search { display: flex; gap: 6px; flex: 1 1 320px; max-width: 560px; }
.search input { flex: 1; min-width: 0; }
input[type=search], input[type=email], input[type=password], input[type=text] { font: inherit; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; }
button { font: inherit; padding: 5px 12px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
button:hover { background: var(--soft); }
button.danger { color: var(--danger); border-color: #f1b8b2; }
button.link { border: 0; background: none; color: var(--accent); padding: 0; text-decoration: underline; }
form.inline { display: inline; }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 8px 0; }
.delete-all { margin: 4px 0 8px; } .delete-all summary { cursor: pointer; color: var(--danger); }
ol.messages { list-style: none; margin: 0; padding: 0; border-top: 1px solid var(--line); }
li.msg { display: grid; grid-template-columns: 28px 1fr auto; align-items: start; gap: 2px 8px; padding: 8px 4px; border-bottom: 1px solid var(--line); }
li.msg.fresh { animation: fresh 2s ease-out; }
@keyframes fresh { from { background: #fff7d6; } to { background: transparent; } }
li.msg.active { background: var(--soft); }
li.msg input { margin-top: 4px; }
li.msg a { display: grid; grid-template-columns: minmax(120px, 220px) 1fr; gap: 0 12px; color: inherit; text-decoration: none; min-width: 0; }
li.msg a:hover .subject { text-decoration: underline; }
li.msg .from, li.msg .subject, li.msg .snippet, li.msg .to { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
li.msg .to { grid-column: 1; grid-row: 2; color: var(--muted); font-size: 13px; }
li.msg .subject { grid-column: 2; grid-row: 1; }
li.msg .snippet { grid-column: 2; grid-row: 2; color: var(--muted); font-size: 13px; }
li.msg.unread .from, li.msg.unread .subject { font-weight: 700; }
li.msg .facts { display: flex; gap: 8px; color: var(--muted); font-size: 13px; white-space: nowrap; }
.pager { display: flex; gap: 16px; margin: 12px 0; }
.empty, .note { color: var(--muted); }
.warn { background: #fff4e5; border: 1px solid #f5c07a; padding: 6px 10px; border-radius: 6px; }
.login { max-width: 360px; margin: 40px auto; display: grid; gap: 8px; }
dl.summary, dl.facts-list { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
dl dt { color: var(--muted); } dl dd { margin: 0; overflow-wrap: anywhere; }
.tabs { display: flex; flex-wrap: wrap; gap: 4px 16px; border-bottom: 1px solid var(--line); padding-bottom: 6px; margin: 12px 0; }
iframe#html-frame { width: 100%; height: 60vh; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
pre.body-text { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--soft); padding: 10px; border-radius: 6px; max-height: 70vh; overflow: auto; font-size: 13px; }
table.headers { border-collapse: collapse; width: 100%; font-size: 13px; table-layout: fixed; }
table.headers th { text-align: left; vertical-align: top; width: 12em; padding: 3px 8px 3px 0; color: var(--muted); font-weight: 600; overflow-wrap: anywhere; }
table.headers td { padding: 3px 0; overflow-wrap: anywhere; font-family: ui-monospace, monospace; }
table.headers tr { border-bottom: 1px solid var(--line); }
ul.attachments { padding-left: 18px; } img.preview { max-width: min(100%, 480px); max-height: 320px; margin: 6px 0; border: 1px solid var(--line); }
header.top nav.sections { font-weight: 600; }
table.list th { width: auto; } table.list td { font-family: inherit; padding: 4px 8px 4px 0; }
.state { padding: 0 6px; border-radius: 8px; background: var(--soft); font-size: 13px; }
.state-delivered { background: #e3f6e8; } .state-failed, .state-canceled, .state-suppressed { background: #fde8e6; } .state-delayed { background: #fff4e5; }
ol.timeline { padding-left: 20px; } ol.timeline li { margin: 6px 0; } ol.timeline li.ok::marker { color: #1a7f37; } ol.timeline li.bad::marker { color: var(--danger); }
.filters label { display: inline-flex; gap: 4px; align-items: center; } select { font: inherit; padding: 4px; }
textarea { width: 100%; font: 13px ui-monospace, monospace; padding: 8px; border: 1px solid var(--line); border-radius: 6px; }
ul.methods { padding-left: 18px; } ul.methods li { margin: 3px 0; }
@media (max-width: 640px) {
  main { padding: 8px 10px; }
  li.msg a { grid-template-columns: 1fr; }
  li.msg .to { display: none; }
  li.msg .subject, li.msg .snippet { grid-column: 1; grid-row: auto; }
  li.msg .facts { flex-direction: column; align-items: flex-end; gap: 0; }
  li.msg .size { display: none; }
  table.headers th { width: 8em; }
  iframe#html-frame { height: 70vh; }
}`;

/** The script (ES2020, runs after the page parsed). */
export const appJs = `"use strict";
(() => {
  const csrf = document.querySelector('meta[name="postwire-csrf"]')?.content ?? "";
  const post = (url, fields) => fetch(url, {
    method: "POST",
    headers: { "X-CSRF-Token": csrf, "X-Requested-With": "fetch", "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });

  // Delete all: the <details> form asks once more.
  document.getElementById("confirm-delete-all")?.addEventListener("click", (e) => {
    if (!window.confirm("Delete every message in this mailbox? This cannot be undone.")) e.preventDefault();
  });

  // A message opened unread is marked read.
  const article = document.querySelector("article.message");
  if (article && article.dataset.unread === "1") {
    post("/ui/messages", { action: "read", id: article.dataset.id }).then((r) => {
      const b = article.querySelector('button[value="read"]');
      if (r.ok && b) { b.value = "unread"; b.textContent = "Mark unread"; }
    });
  }

  const list = document.getElementById("messages");
  const baseTitle = document.title.replace(/^\\(\\d+\\) /, "");
  const setCounts = (unread, total) => {
    document.title = (unread > 0 ? "(" + unread + ") " : "") + baseTitle;
    const u = document.getElementById("unread"); if (u) u.textContent = String(unread);
    const t = document.getElementById("total"); if (t && total !== null) t.textContent = String(total);
    const badge = document.querySelector('[data-unread-for="' + list.dataset.mailbox + '"]'); if (badge) badge.textContent = String(unread);
  };

  // Live rows: on every event, fetch what arrived after the newest row shown.
  if (list && list.dataset.live === "1") {
    let busy = false, again = false, delay = 1000;
    const refresh = async () => {
      if (busy) { again = true; return; }
      busy = true;
      try {
        const r = await fetch("/ui/rows?mailbox=" + list.dataset.mailbox + "&after=" + list.dataset.maxId);
        if (!r.ok) return;
        const html = await r.text();
        if (html.trim()) {
          const tpl = document.createElement("template");
          tpl.innerHTML = html;
          for (const li of tpl.content.querySelectorAll("li.msg")) li.classList.add("fresh");
          list.prepend(tpl.content);
          document.getElementById("empty")?.remove();
        }
        list.dataset.maxId = r.headers.get("X-Max-Id") ?? list.dataset.maxId;
        setCounts(Number(r.headers.get("X-Unread")), Number(r.headers.get("X-Total")));
      } finally {
        busy = false;
        if (again) { again = false; refresh(); }
      }
    };
    const connect = async () => {
      let token;
      try {
        const r = await post("/ui/token", {});
        if (!r.ok) throw new Error("token " + r.status);
        token = (await r.json()).token;
      } catch (err) {
        setTimeout(connect, delay = Math.min(delay * 2, 30000));
        return;
      }
      const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/webapi/v0/events?kinds=incoming&token=" + encodeURIComponent(token));
      ws.onmessage = (e) => {
        const f = JSON.parse(e.data);
        if (f.msg === "Listening") { delay = 1000; document.body.dataset.live = "on"; refresh(); }
        else if (f.Kind) refresh();
      };
      ws.onclose = () => { document.body.dataset.live = "off"; setTimeout(connect, delay = Math.min(delay * 2, 30000)); };
    };
    connect();
  }

  // Keyboard: j/k move, o or Enter open, x select, / search.
  const rows = () => Array.from(document.querySelectorAll("li.msg"));
  let at = -1;
  const focusRow = (i) => {
    const all = rows(); if (!all.length) return;
    at = Math.max(0, Math.min(all.length - 1, i));
    all.forEach((r, j) => r.classList.toggle("active", j === at));
    all[at].querySelector("a").focus();
  };
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    if (e.key === "j") focusRow(at + 1);
    else if (e.key === "k") focusRow(at - 1);
    else if (e.key === "x" && at >= 0) { const c = rows()[at]?.querySelector("input"); if (c) c.checked = !c.checked; }
    else if (e.key === "o" && at >= 0) rows()[at]?.querySelector("a")?.click();
    else if (e.key === "/") { const q = document.getElementById("q"); if (q) { e.preventDefault(); q.focus(); } }
    else return;
  });
})();
`;
