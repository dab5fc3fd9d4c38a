/**
 * Builds the web UI when web/dist is missing or older than its sources, so `npm start` on a fresh
 * clone serves the UI without a separate build step (`npm run dev:workers` too: wrangler will not start
 * without it). `npm run build` always builds. A production
 * install (`npm ci --omit=dev`) has no Vite: there an existing web/dist is served as it is.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

type Vite = Pick<typeof import("vite"), "build">;

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Vite, or undefined when it is not installed (a production install). */
async function importVite(): Promise<Vite | undefined> {
  try {
    return await import("vite");
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw error;
  }
}

/**
 * Makes sure `web`/dist is there and current; throws with a message for people when it cannot be.
 * `loadVite` is for tests.
 */
export async function ensureWebBuild(web = new URL("../web/", import.meta.url).pathname, loadVite = importVite): Promise<void> {
  const built = join(web, "dist/index.html");
  // The UI's own files, and the protocol code it bundles (@parley/protocol/client).
  const sources = [
    join(web, "src"),
    join(web, "public"),
    join(web, "index.html"),
    join(web, "vite.config.ts"),
    join(web, "package.json"),
    join(web, "../protocol/src"),
  ].filter(existsSync);
  const stale = !existsSync(built) || (sources.length > 0 && Math.max(...sources.map(newest)) > statSync(built).mtimeMs);
  if (!stale) return;
  const vite = await loadVite();
  if (!vite) {
    if (existsSync(built)) return; // what was built before this install is what there is to serve
    throw new Error(
      "web/dist is missing and Vite is not installed (a production install?): run `npm ci && npm run build` first, or copy a built web/dist here.",
    );
  }
  console.error("parley: building the web UI (web/dist)…");
  // Vite sets NODE_ENV=production when it is unset; the worker started next in this process must not see that.
  const nodeEnv = process.env.NODE_ENV;
  try {
    await vite.build({ configFile: join(web, "vite.config.ts"), logLevel: "warn" });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

// Run as a script (`npm run dev:workers`, the wrangler tests): build if needed, then exit.
if (import.meta.main) await ensureWebBuild();
