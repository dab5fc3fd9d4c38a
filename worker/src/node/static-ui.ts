import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Env, Hono, MiddlewareHandler } from "hono";
import { CACHE_IMMUTABLE, CACHE_REVALIDATE, CONTENT_SECURITY_POLICY, isHashedAsset, SERVER_PATHS } from "../http/web-ui-policy.ts";

/** Where `npm run build` puts the web UI. */
export const WEB_DIST = new URL("../../../web/dist", import.meta.url).pathname;

/** The Workers static-assets rules file (web/public/_headers): read by wrangler, never served. */
const HEADERS_FILE = "/_headers";

/**
 * Serves the built web UI at `/`: its files, and index.html for any other GET path so the
 * client-side routes survive a reload. Registered after the API routes; returns false (and serves
 * nothing) when the UI has not been built. The headers follow web-ui-policy.ts, as on Workers.
 */
export function serveWebUi<E extends Env>(app: Hono<E>, dir: string = WEB_DIST): boolean {
  if (!existsSync(join(dir, "index.html"))) return false;
  const files = serveStatic({ root: dir });
  const index = serveStatic({ root: dir, path: "index.html" });
  const uiOnly =
    (handler: MiddlewareHandler): MiddlewareHandler =>
    async (c, next) => {
      if (SERVER_PATHS.test(c.req.path) || (handler === files && c.req.path === HEADERS_FILE)) return next();
      c.header("x-content-type-options", "nosniff");
      c.header("cache-control", isHashedAsset(c.req.path) ? CACHE_IMMUTABLE : CACHE_REVALIDATE);
      const res = await handler(c, next);
      if (c.res.headers.get("content-type")?.startsWith("text/html")) c.header("content-security-policy", CONTENT_SECURITY_POLICY);
      return res;
    };
  app.get("*", uiOnly(files));
  app.get("*", uiOnly(index));
  return true;
}
