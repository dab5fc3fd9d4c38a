/**
 * Builds the web UI when web/dist is missing or older than its sources, so `npm start` on a fresh
 * clone serves the UI without a separate build step (`npm run dev:workers` too: wrangler will not start
 * without it). `npm run build` always builds.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "vite";

const WEB = new URL("../web/", import.meta.url).pathname;
const built = join(WEB, "dist/index.html");

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sources = [join(WEB, "src"), join(WEB, "public"), join(WEB, "index.html"), join(WEB, "vite.config.ts")];
if (!existsSync(built) || Math.max(...sources.map(newest)) > statSync(built).mtimeMs) {
  console.log("parley: building the web UI (web/dist)…");
  await build({ configFile: join(WEB, "vite.config.ts"), logLevel: "warn" });
}
