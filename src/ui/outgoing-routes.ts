/**
 * Sent mail and webhooks: the outgoing list and one message's timeline (with retry-now and
 * cancel while it is queued), the webhook log with filters, one webhook's attempts, redeliver
 * and the test event. Every call is scoped to the viewer's account by the services it uses.
 */
import type { Context, Hono } from "hono";
import type { Viewer } from "./access.js";
import type { UiDeps } from "./deps.js";
import { h, type Html } from "./html.js";
import { page, type Shell } from "./layout.js";
import { outgoingDetail, outgoingList, webhookDetail, webhookLog } from "./outgoing-view.js";

type Env = { Variables: { viewer: Viewer } };

const pageSize = 50;

function positiveInt(s: string | undefined): number | undefined {
  return s && /^\d{1,15}$/.test(s) && Number(s) > 0 ? Number(s) : undefined;
}

/** Registers the outgoing and webhook screens. */
export function outgoingRoutes(app: Hono<Env>, deps: UiDeps, notFound: (c: Context) => Response): void {
  const { queue, webhooks } = deps;
  const shell = (c: Context, title: string, section: Shell["section"]): Shell => {
    const v = c.get("viewer") as Viewer;
    return { title, account: v.name, canLogout: !v.open, csrf: v.csrf, version: deps.version, section };
  };

  if (queue) {
    app.get("/ui/outgoing", async (c) => {
      const v = c.get("viewer");
      const rows = await queue.list({ accountId: v.accountId, beforeId: positiveInt(c.req.query("before")), limit: pageSize + 1 });
      const shown = rows.slice(0, pageSize);
      const next = rows.length > pageSize ? shown[shown.length - 1]!.id : null;
      return c.html(page(shell(c, "Outgoing", "outgoing"), outgoingList(shown, new Date(deps.clock.now()), next)));
    });

    app.get("/ui/outgoing/:id", async (c) => {
      const v = c.get("viewer");
      const id = positiveInt(c.req.param("id"));
      const [m] = id ? await queue.list({ accountId: v.accountId, ids: [id], limit: 1 }) : [];
      if (!m) return notFound(c);
      const hooks = webhooks ? await webhooks.forMessage(v.accountId, m.id) : [];
      return c.html(page(shell(c, m.subject || "Outgoing", "outgoing"), outgoingDetail(m, hooks, new Date(deps.clock.now()), v.csrf)));
    });

    app.post("/ui/outgoing/:id/action", async (c) => {
      const v = c.get("viewer");
      const id = positiveInt(c.req.param("id"));
      const [m] = id ? await queue.list({ accountId: v.accountId, ids: [id], limit: 1 }) : [];
      if (!m) return notFound(c);
      const body = await c.req.parseBody({ all: true });
      // A held message is released (as QueueRetryNow does), others get their next attempt now.
      if (body.action === "retry") await (m.hold ? queue.release([m.id]) : queue.retryNow([m.id]));
      else if (body.action === "cancel") await queue.drop([m.id], "canceled in the web interface");
      else return c.text("unknown action\n", 400);
      return c.redirect(`/ui/outgoing/${m.id}`, 303);
    });
  }

  if (webhooks) {
    const failure = (c: Context, err: unknown): Response => {
      const code = (err as { code?: unknown })?.code;
      if (typeof code !== "string") throw err;
      if (/notfound/i.test(code)) return notFound(c);
      return c.html(page(shell(c, "Webhooks", "webhooks"), h`<h1>Webhooks</h1><p class="warn" role="alert">${(err as Error).message}</p>`), 400);
    };

    const log = async (c: Context, test: Html | "" = "") => {
      const v = c.get("viewer") as Viewer;
      const f = { kind: c.req.query("kind") ?? "", event: c.req.query("event") ?? "", status: c.req.query("status") ?? "" };
      try {
        const r = await webhooks.list(v.accountId, { ...f, since: null, until: null, cursor: c.req.query("cursor") ?? "", limit: pageSize });
        return c.html(page(shell(c, "Webhooks", "webhooks"), webhookLog(r.webhooks, f, r.nextCursor, v.csrf, test)));
      } catch (err) {
        return failure(c, err);
      }
    };
    app.get("/ui/webhooks", (c) => log(c));

    app.get("/ui/webhooks/:id", async (c) => {
      const v = c.get("viewer");
      const id = positiveInt(c.req.param("id"));
      if (!id) return notFound(c);
      try {
        const w = await webhooks.get(v.accountId, id);
        return c.html(page(shell(c, `Webhook ${w.event}`, "webhooks"), webhookDetail(w, v.csrf)));
      } catch (err) {
        return failure(c, err);
      }
    });

    app.post("/ui/webhooks/:id/redeliver", async (c) => {
      const v = c.get("viewer");
      const id = positiveInt(c.req.param("id"));
      if (!id) return notFound(c);
      try {
        const w = await webhooks.redeliver(v.accountId, id);
        return c.redirect(`/ui/webhooks/${w.id}`, 303);
      } catch (err) {
        return failure(c, err);
      }
    });

    app.post("/ui/webhooks/test", async (c) => {
      const v = c.get("viewer");
      const body = await c.req.parseBody({ all: true });
      const kind = body.kind === "outgoing" ? "outgoing" : "incoming";
      try {
        const r = await webhooks.test(v.accountId, { kind, example: "", url: "", authorization: "" });
        const result = h`<p class="${r.success ? "note" : "warn"}" role="status" id="test-result">Test ${kind} event to ${r.url}: ${r.success ? "delivered" : "failed"}${r.status ? `, HTTP ${r.status}` : ""} in ${String(r.durationMs)} ms${r.error ? `: ${r.error}` : ""}</p>`;
        return log(c, result);
      } catch (err) {
        return failure(c, err);
      }
    });
  }
}
