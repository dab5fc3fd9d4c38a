import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CACHE_IMMUTABLE, CACHE_REVALIDATE, CONTENT_SECURITY_POLICY, isUnservedFile, PRECOMPRESSED, SERVER_PATHS, SERVER_SEGMENTS } from "./web-ui-policy.ts";

const ROOT = new URL("../../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), "utf8");

interface HeaderRule {
  set: Record<string, string>;
  unset: string[];
}

/** web/public/_headers as Workers static assets read it: a path line, then indented `Name: value` or `! Name`. */
function headerRules(text: string): Record<string, HeaderRule> {
  const rules: Record<string, HeaderRule> = {};
  let rule: HeaderRule | undefined;
  for (const line of text.split("\n")) {
    if (!line.trim() || line.trimStart().startsWith("#")) continue;
    if (!/^\s/.test(line)) rules[line.trim()] = rule = { set: {}, unset: [] };
    else if (line.trim().startsWith("!")) rule!.unset.push(line.trim().slice(1).trim().toLowerCase());
    else {
      const [name, ...value] = line.trim().split(":");
      rule!.set[name!.toLowerCase()] = value.join(":").trim();
    }
  }
  return rules;
}

describe("the web UI's policy on Workers static assets", () => {
  it("sends the Node server's CSP, nosniff and caching from web/public/_headers", () => {
    const rules = headerRules(read("web/public/_headers"));
    expect(Object.keys(rules)).toEqual(["/*", "/assets/*"]);
    expect(rules["/*"]).toEqual({
      set: { "content-security-policy": CONTENT_SECURITY_POLICY, "x-content-type-options": "nosniff", "cache-control": CACHE_REVALIDATE },
      unset: [],
    });
    // The later rule appends to a header an earlier one set, unless it removes it first.
    expect(rules["/assets/*"]).toEqual({ set: { "cache-control": CACHE_IMMUTABLE }, unset: ["cache-control"] });
  });

  it("runs the Worker first for exactly the server's paths (and the debug routes) in wrangler.toml", () => {
    const line = read("wrangler.toml").match(/^run_worker_first = (\[.*\])$/m);
    const patterns = JSON.parse(line![1]!) as string[];
    expect(patterns).toEqual([...SERVER_SEGMENTS.flatMap((name) => [`/${name}`, `/${name}/*`]), "/_gateway/*", "/_debug/*"]);
    expect(read("wrangler.toml")).toMatch(/^not_found_handling = "single-page-application"$/m);
  });

  it("keeps the server's paths and nothing else", () => {
    for (const path of ["/api", "/api/rooms", "/ws", "/healthz", "/readyz/x"]) expect(SERVER_PATHS.test(path)).toBe(true);
    for (const path of ["/", "/rooms/abc", "/apix", "/assets/app.js", "/wsx"]) expect(SERVER_PATHS.test(path)).toBe(false);
  });

  it("keeps the precompressed copies out of the Workers upload (web/public/.assetsignore), Cloudflare compresses on its own", () => {
    const ignored = read("web/public/.assetsignore")
      .split("\n")
      .filter((line) => line.trim() && !line.startsWith("#"));
    expect(ignored).toEqual(Object.values(PRECOMPRESSED).map((suffix) => `*${suffix}`));
  });

  it("never serves the precompressed copies or the rules files as themselves", () => {
    for (const path of ["/assets/app.js.br", "/assets/app.js.gz", "/index.html.br", "/_headers", "/.assetsignore"])
      expect(isUnservedFile(path), path).toBe(true);
    for (const path of ["/", "/assets/app.js", "/assets/app.css", "/index.html", "/rooms/brgz"]) expect(isUnservedFile(path), path).toBe(false);
  });
});
