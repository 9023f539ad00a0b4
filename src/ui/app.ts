/**
 * The web interface's hono app: security headers, who is asking (loginless loopback account or
 * session cookie), the CSRF gate in front of every POST, login, static assets and the mail
 * screens. Mounted by app/ next to the webapi on the HTTP listener.
 */
import { Hono, type Context } from "hono";
import { crossSite, csrfOk, viewer, type Viewer } from "./access.js";
import { appCss, appJs } from "./assets.js";
import type { UiDeps } from "./deps.js";
import { commonHeaders, pageCsp } from "./headers.js";
import { h } from "./html.js";
import { page } from "./layout.js";
import { login, loginPage, logout } from "./login.js";
import { mailRoutes } from "./mail-routes.js";
import { outgoingRoutes } from "./outgoing-routes.js";

/** Largest form body a UI POST may have (selections of ids, a login). */
const maxFormBytes = 256 * 1024;

type Env = { Variables: { viewer: Viewer } };

/** Creates the web interface (`GET /`, `/ui/...`). */
export function createUi(deps: UiDeps): Hono<Env> {
  const log = deps.log.child({ module: "ui" });
  const app = new Hono<Env>();
  const notFound = (c: Context) => c.html(page({ title: "Not found", version: deps.version }, h`<h1>Not found</h1><p><a href="/">Back to the inbox</a></p>`), 404);

  app.use("*", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(commonHeaders)) c.res.headers.set(k, v);
    if (!c.res.headers.has("Content-Security-Policy")) c.res.headers.set("Content-Security-Policy", pageCsp(c.req.header("host") ?? ""));
    if (!c.res.headers.has("X-Frame-Options")) c.res.headers.set("X-Frame-Options", "deny");
  });
  app.onError((err, c) => {
    log.error({ err, path: c.req.path }, "ui request failed");
    return c.html(page({ title: "Error", version: deps.version }, h`<h1>Something went wrong</h1><p>The error was logged.</p>`), 500);
  });
  app.notFound(notFound);

  app.get("/ui/assets/app.css", (c) => c.body(appCss, 200, { "Content-Type": "text/css; charset=utf-8" }));
  app.get("/ui/assets/app.js", (c) => c.body(appJs, 200, { "Content-Type": "text/javascript; charset=utf-8" }));

  // Every POST: same-site only and a bounded form body, before anything is read.
  app.use("*", async (c, next) => {
    if (c.req.method !== "POST") return next();
    if (crossSite(c)) return c.text("403 - cross-site request refused\n", 403);
    const length = Number(c.req.header("content-length") ?? "NaN");
    if (!Number.isFinite(length)) return c.text("411 - length required\n", 411);
    if (length > maxFormBytes) return c.text("413 - request too large\n", 413);
    return next();
  });

  app.get("/ui/login", async (c) => ((await viewer(deps, c)) ? c.redirect("/", 303) : c.html(loginPage(deps))));
  app.post("/ui/login", (c) => login(deps, c));

  // Everything else needs a viewer, and a POST the viewer's CSRF token.
  app.use("*", async (c, next) => {
    const v = await viewer(deps, c);
    if (!v) {
      if (c.req.method === "GET" && !c.req.path.startsWith("/ui/rows")) return c.redirect("/ui/login", 303);
      return c.text("401 - log in first\n", 401);
    }
    if (c.req.method === "POST") {
      let token = c.req.header("x-csrf-token");
      if (token === undefined && /^application\/x-www-form-urlencoded|^multipart\/form-data/i.test(c.req.header("content-type") ?? "")) {
        const body = await c.req.parseBody({ all: true });
        token = typeof body.csrf === "string" ? body.csrf : undefined;
      }
      if (!csrfOk(deps, v, token)) return c.text("403 - missing or wrong CSRF token; reload the page\n", 403);
    }
    c.set("viewer", v);
    return next();
  });

  app.post("/ui/logout", (c) => logout(c));
  mailRoutes(app, deps, notFound);
  outgoingRoutes(app, deps, notFound);
  return app;
}
