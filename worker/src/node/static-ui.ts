import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Env, Hono, MiddlewareHandler } from "hono";

/** Where `npm run build` puts the web UI. */
export const WEB_DIST = new URL("../../../web/dist", import.meta.url).pathname;

/** Paths the UI never owns: the API, the socket and the health checks keep their JSON answers. */
const SERVER_PATHS = /^\/(api|ws|healthz|readyz)(\/|$)/;

/** The UI's page may run only its own scripts and talk only to its own origin. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Serves the built web UI at `/`: its files, and index.html for any other GET path so the
 * client-side routes survive a reload. Registered after the API routes; returns false (and serves
 * nothing) when the UI has not been built.
 */
export function serveWebUi<E extends Env>(app: Hono<E>, dir: string = WEB_DIST): boolean {
  if (!existsSync(join(dir, "index.html"))) return false;
  const files = serveStatic({ root: dir });
  const index = serveStatic({ root: dir, path: "index.html" });
  const uiOnly =
    (handler: MiddlewareHandler): MiddlewareHandler =>
    async (c, next) => {
      if (SERVER_PATHS.test(c.req.path)) return next();
      c.header("x-content-type-options", "nosniff");
      if (c.req.path.startsWith("/assets/")) c.header("cache-control", "public, max-age=31536000, immutable");
      else c.header("cache-control", "no-cache");
      const res = await handler(c, next);
      if (c.res.headers.get("content-type")?.startsWith("text/html")) c.header("content-security-policy", CSP);
      return res;
    };
  app.get("*", uiOnly(files));
  app.get("*", uiOnly(index));
  return true;
}
