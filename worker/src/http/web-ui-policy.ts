/**
 * How the built web UI is served, one policy for both runtimes: Node applies it in
 * worker/src/node/static-ui.ts, Workers static assets through web/public/_headers (which
 * web-ui-policy.test.ts keeps equal to this) and the paths in wrangler.toml's `run_worker_first`.
 */

/** The first segments the UI never owns: the API, the socket and the health checks keep their JSON answers. */
export const SERVER_SEGMENTS = ["api", "ws", "healthz", "readyz"] as const;

/** `/api`, `/api/…` and so on for each of SERVER_SEGMENTS. */
export const SERVER_PATHS = new RegExp(`^/(${SERVER_SEGMENTS.join("|")})(/|$)`);

/** The UI's page may run only its own scripts and talk only to its own origin; `blob:` images and media are uploads it fetched with its token. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Vite's hashed bundles under /assets/ never change; everything else (index.html) is revalidated. */
export const CACHE_IMMUTABLE = "public, max-age=31536000, immutable";
export const CACHE_REVALIDATE = "no-cache";

/** Whether `path` is one of Vite's hashed bundles. */
export const isHashedAsset = (path: string) => path.startsWith("/assets/");

/**
 * The copies `vite build` writes beside each compressible file (`app.js.br`, `app.js.gz`), by the
 * `Content-Encoding` each is sent with, best first. Node sends one in place of its original when
 * the browser accepts it; Workers static assets compress on their own, so web/public/.assetsignore
 * keeps these copies out of the upload.
 */
export const PRECOMPRESSED = { br: ".br", gzip: ".gz" } as const;

/** The rules files of Workers static assets in web/dist: read by wrangler, never served. */
export const ASSETS_RULES_FILES = ["/_headers", "/.assetsignore"] as const;

/**
 * Whether `path` names a file of web/dist that is no page or asset of the UI: a rules file, or a
 * precompressed copy (sent only as an encoding of its original, never as itself with a wrong type).
 * Both runtimes answer such a path as any unknown one: index.html.
 */
export const isUnservedFile = (path: string) =>
  (ASSETS_RULES_FILES as readonly string[]).includes(path) || Object.values(PRECOMPRESSED).some((suffix) => path.endsWith(suffix));
