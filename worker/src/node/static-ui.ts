import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Env, Hono, MiddlewareHandler } from "hono";
import { CACHE_IMMUTABLE, CACHE_REVALIDATE, CONTENT_SECURITY_POLICY, isHashedAsset, isUnservedFile, SERVER_PATHS } from "../http/web-ui-policy.ts";

/** Where `npm run build` puts the web UI. */
export const WEB_DIST = new URL("../../../web/dist", import.meta.url).pathname;

/**
 * Serves the built web UI at `/`: its files, and index.html for any other GET path so the
 * client-side routes survive a reload. Registered after the API routes; returns false (and serves
 * nothing) when the UI has not been built. The headers follow web-ui-policy.ts, as on Workers.
 * A file is sent as its precompressed `.br` or `.gz` copy when the browser accepts that encoding
 * (serve-static's `precompressed`: br, then gzip, else the file itself).
 */
export function serveWebUi<E extends Env>(app: Hono<E>, dir: string = WEB_DIST): boolean {
  if (!existsSync(join(dir, "index.html"))) return false;
  const files = serveStatic({ root: dir, precompressed: true });
  const index = serveStatic({ root: dir, path: "index.html", precompressed: true });
  const uiOnly =
    (handler: MiddlewareHandler): MiddlewareHandler =>
    async (c, next) => {
      if (SERVER_PATHS.test(c.req.path) || (handler === files && isUnservedFile(c.req.path))) return next();
      c.header("x-content-type-options", "nosniff");
      // Only the asset itself is immutable: index.html answering a stale /assets/ name is revalidated.
      c.header("cache-control", handler === files && isHashedAsset(c.req.path) ? CACHE_IMMUTABLE : CACHE_REVALIDATE);
      const res = await handler(c, next);
      if (c.res.headers.get("content-type")?.startsWith("text/html")) c.header("content-security-policy", CONTENT_SECURITY_POLICY);
      // The identity answer varies too (serve-static marks only the encoded ones), or a shared cache could hand it to every browser.
      c.header("vary", "Accept-Encoding");
      return res;
    };
  app.get("*", uiOnly(files));
  app.get("*", uiOnly(index));
  return true;
}
