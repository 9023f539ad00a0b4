/**
 * The mail screens: mailbox lists (with the rows-since fragment the live script fetches), the
 * read/unread/delete actions, delete-all, and one message with its HTML, raw and part responses.
 * Every lookup is by the viewer's account id: another account's message is a 404.
 */
import type { Context, Hono } from "hono";
import { getPart, parseMessage, type ParsedMessage } from "../message/index.js";
import {
  countUnread,
  deleteMailboxMessages,
  deleteMessage,
  getMessage,
  listMailboxPage,
  mailboxCounts,
  parseSearch,
  searchMessages,
  type MailboxRow,
  updateFlags,
  StoreError,
} from "../store/index.js";
import { peerIp, type Viewer } from "./access.js";
import type { UiDeps } from "./deps.js";
import { h } from "./html.js";
import { inboxContent, messageRow } from "./inbox.js";
import { page } from "./layout.js";
import { attachmentParts, messageContent, previewTypes } from "./message-view.js";
import { frameCsp, sandboxCsp } from "./headers.js";

const pageSize = 50;

type Env = { Variables: { viewer: Viewer } };

function positiveInt(s: string | undefined): number | undefined {
  return s && /^\d{1,15}$/.test(s) && Number(s) > 0 ? Number(s) : undefined;
}

/** Registers the mail screens on the UI app (the viewer is set by the app's middleware). */
export function mailRoutes(app: Hono<Env>, deps: UiDeps, notFound: (c: Context) => Response): void {
  const { db } = deps.database;

  async function boxes(v: Viewer, requested: number | undefined) {
    const all = await mailboxCounts(db, v.accountId);
    const current = all.find((b) => b.id === requested) ?? all.find((b) => b.role === "inbox") ?? all[0];
    return { all, current };
  }

  async function loadMessage(v: Viewer, idText: string) {
    const id = positiveInt(idText);
    const m = id ? await getMessage(db, v.accountId, id) : null;
    return m && !m.expunged ? m : null;
  }

  async function parsed(m: NonNullable<Awaited<ReturnType<typeof loadMessage>>>): Promise<ParsedMessage | null> {
    if (m.parsed) return m.parsed as unknown as ParsedMessage;
    const r = await (deps.parse ?? parseMessage)(m.raw);
    return r.ok ? r : null;
  }

  app.get("/", async (c) => {
    const v = c.get("viewer");
    const { all, current } = await boxes(v, positiveInt(c.req.query("mailbox")));
    if (!current) return notFound(c);
    const before = positiveInt(c.req.query("before"));
    const q = (c.req.query("q") ?? "").trim();
    let problem = "";
    let rows: MailboxRow[] = [];
    const filter = { accountId: v.accountId, mailboxId: current.id, beforeId: before, limit: pageSize + 1 };
    if (!q) rows = await listMailboxPage(db, filter);
    else {
      try {
        rows = await searchMessages(db, { ...filter, query: parseSearch(q) });
      } catch (err) {
        if (!(err instanceof StoreError && err.code === "badQuery")) throw err;
        problem = err.message;
      }
    }
    const shown = rows.slice(0, pageSize);
    const content = inboxContent({
      mailbox: current,
      rows: shown,
      nextBefore: rows.length > pageSize ? shown[shown.length - 1]!.id : null,
      first: before === undefined,
      csrf: v.csrf,
      now: new Date(deps.clock.now()),
      query: q,
      problem,
    });
    return c.html(
      page(
        {
          title: current.unread ? `(${current.unread}) ${current.name}` : current.name,
          account: v.name,
          canLogout: !v.open,
          csrf: v.csrf,
          mailboxes: all.map((b) => ({ id: b.id, name: b.name, unread: b.unread, current: b.id === current.id })),
          version: deps.version,
          bodyData: { page: "mailbox", "mailbox-name": current.name },
        },
        content,
      ),
    );
  });

  // Rows that arrived after `after`, newest first, for the live list; counts in headers.
  app.get("/ui/rows", async (c) => {
    const v = c.get("viewer");
    const mailboxId = positiveInt(c.req.query("mailbox"));
    const after = positiveInt(c.req.query("after")) ?? 0;
    const { current } = await boxes(v, mailboxId);
    if (!current || current.id !== mailboxId) return notFound(c);
    const rows = await listMailboxPage(db, { accountId: v.accountId, mailboxId, afterId: after, limit: pageSize });
    const now = new Date(deps.clock.now());
    return c.body(h`${rows.map((m) => messageRow(m, now))}`.toString(), 200, {
      "Content-Type": "text/html; charset=utf-8",
      "X-Unread": String(await countUnread(db, v.accountId, current.id)),
      "X-Total": String(current.total),
      "X-Max-Id": String(Math.max(after, rows[0]?.id ?? 0)),
    });
  });

  // A token for the event WebSocket, bound to this page's origin and the client's address.
  app.post("/ui/token", async (c) => {
    const v = c.get("viewer");
    const origin = new URL(c.req.url).protocol + "//" + (c.req.header("host") ?? "");
    const token = await deps.mintEventToken(v.accountId, origin, peerIp(c));
    return c.json({ token });
  });

  app.post("/ui/messages", async (c) => {
    const v = c.get("viewer");
    const body = await c.req.parseBody({ all: true });
    const ids = ([] as unknown[]).concat(body.id ?? []).map((x) => positiveInt(typeof x === "string" ? x : undefined));
    const action = body.action;
    const back = typeof body.mailbox === "string" && positiveInt(body.mailbox) ? `/?mailbox=${body.mailbox}` : "/";
    for (const id of ids) {
      if (id === undefined) continue;
      try {
        if (action === "delete") await db.transaction((tx) => deleteMessage(tx, v.accountId, id));
        else if (action === "read") await db.transaction((tx) => updateFlags(tx, v.accountId, id, (f) => [...new Set([...f, "\\seen"])]));
        else if (action === "unread") await db.transaction((tx) => updateFlags(tx, v.accountId, id, (f) => f.filter((x) => x !== "\\seen")));
        else return c.text("unknown action\n", 400);
      } catch (err) {
        // Already deleted or not this account's: nothing to change for that id.
        if (!(err instanceof StoreError)) throw err;
      }
    }
    if (c.req.header("x-requested-with") === "fetch") return c.body(null, 204);
    // From a message page, read/unread returns to it; delete returns to the list.
    const from = typeof body.from === "string" ? positiveInt(body.from) : undefined;
    return c.redirect(from && action !== "delete" ? `/ui/message/${from}` : back, 303);
  });

  app.post("/ui/mailbox/:id/delete-all", async (c) => {
    const v = c.get("viewer");
    const { current } = await boxes(v, positiveInt(c.req.param("id")));
    if (!current || String(current.id) !== c.req.param("id")) return notFound(c);
    const n = await deleteMailboxMessages(db, v.accountId, current.id);
    deps.log.info({ account: v.name, mailbox: current.name, deleted: n }, "ui deleted all messages of a mailbox");
    return c.redirect(`/?mailbox=${current.id}`, 303);
  });

  async function messagePage(c: Context, released?: { ok: boolean; detail: string; to: string }): Promise<Response> {
    const v = c.get("viewer") as Viewer;
    const m = await loadMessage(v, c.req.param("id") ?? "");
    if (!m) return notFound(c);
    const { all } = await boxes(v, m.mailboxId);
    const content = messageContent({ m, parsed: await parsed(m), csrf: v.csrf, images: c.req.query("images") === "1", canRelease: !!deps.release, released });
    return c.html(
      page(
        {
          title: m.subject || "(no subject)",
          account: v.name,
          canLogout: !v.open,
          csrf: v.csrf,
          mailboxes: all.map((b) => ({ id: b.id, name: b.name, unread: b.unread, current: b.id === m.mailboxId })),
          version: deps.version,
          bodyData: { page: "message" },
        },
        content,
      ),
      released && !released.ok ? 502 : 200,
    );
  }

  app.get("/ui/message/:id", (c) => messagePage(c));

  // Release: the stored bytes, unchanged, to one address on the configured server.
  app.post("/ui/message/:id/release", async (c) => {
    const m = await loadMessage(c.get("viewer"), c.req.param("id"));
    if (!m || !deps.release) return notFound(c);
    const body = await c.req.parseBody({ all: true });
    const to = typeof body.to === "string" ? body.to.trim() : "";
    if (!/^[^\s@<>]+@[^\s@<>]+$/.test(to)) return messagePage(c, { ok: false, detail: "not an email address", to: to.slice(0, 100) });
    const r = await deps.release({ raw: m.raw, mailFrom: m.envelope.mailFrom, to });
    deps.log.info({ message: m.id, to, ok: r.ok }, "ui released a message");
    return messagePage(c, { ...r, to });
  });

  // The HTML body as its own document: the CSP sandboxes it (no script, no same origin) and
  // allows no network loads except, when asked, remote images.
  app.get("/ui/message/:id/html", async (c) => {
    const m = await loadMessage(c.get("viewer"), c.req.param("id"));
    const p = m ? await parsed(m) : null;
    if (!m || !p?.HTML) return notFound(c);
    return c.body(`<base target="_blank">${p.HTML}`, 200, {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": frameCsp(c.req.query("images") === "1"),
      "X-Frame-Options": "sameorigin",
      "Referrer-Policy": "no-referrer",
    });
  });

  app.get("/ui/message/:id/raw", async (c) => {
    const m = await loadMessage(c.get("viewer"), c.req.param("id"));
    if (!m) return notFound(c);
    return c.body(new Uint8Array(m.raw), 200, { "Content-Type": "text/plain; charset=utf-8", "Content-Security-Policy": sandboxCsp });
  });

  app.get("/ui/message/:id/part/:path", async (c) => {
    const m = await loadMessage(c.get("viewer"), c.req.param("id"));
    const pathText = c.req.param("path");
    if (!m || !/^\d{1,4}(\.\d{1,4}){0,31}$/.test(pathText)) return notFound(c);
    const path = pathText.split(".").map(Number);
    const p = await parsed(m);
    const info = p ? attachmentParts(p.Structure).find((a) => a.path.join(".") === pathText) : undefined;
    const bytes = getPart(m.raw, path);
    if (!bytes) return notFound(c);
    const type = info?.structure.ContentType ?? "";
    const inline = previewTypes.has(type) && c.req.query("download") !== "1";
    const name = (info?.structure.Filename || `part-${pathText}`).replace(/[\r\n"\\]/g, "_");
    return c.body(new Uint8Array(bytes), 200, {
      "Content-Type": inline ? type : "application/octet-stream",
      "Content-Disposition": `${inline ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(name)}`,
      "Content-Security-Policy": sandboxCsp,
    });
  });
}
