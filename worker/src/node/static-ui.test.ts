import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { Hono } from "hono";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveWebUi } from "./static-ui.ts";

const dir = mkdtempSync(join(tmpdir(), "parley-ui-"));
mkdirSync(join(dir, "assets"));
writeFileSync(join(dir, "index.html"), "<!doctype html><title>Parley</title>");
writeFileSync(join(dir, "assets/app-1234.js"), "console.log(1)");
writeFileSync(join(dir, "_headers"), "/*\n  X-Rules: for Workers static assets\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function app(root = dir) {
  const hono = new Hono();
  hono.get("/api/me", (c) => c.json({ user: null }));
  hono.notFound((c) => c.json({ error: { code: "not_found", message: "no such endpoint" } }, 404));
  expect(serveWebUi(hono, root)).toBe(true);
  return hono;
}

describe("serveWebUi", () => {
  it("serves index.html at / and for client routes, with a CSP", async () => {
    for (const path of ["/", "/rooms/abc", "/anything/else"]) {
      const res = await app().request(path);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("<title>Parley</title>");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("cache-control")).toBe("no-cache");
    }
  });

  it("serves hashed assets as immutable", async () => {
    const res = await app().request("/assets/app-1234.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("immutable");
  });

  it("answers a stale /assets/ name with index.html to revalidate, never as immutable", async () => {
    const res = await app().request("/assets/app-0000.js");
    expect(await res.text()).toContain("<title>Parley</title>");
    expect(res.headers.get("cache-control")).toBe("no-cache");
  });

  it("never serves the _headers rules file (Workers static assets read it): index.html instead", async () => {
    const res = await app().request("/_headers");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<title>Parley</title>");
  });

  it("leaves the API, the socket and health paths to the server", async () => {
    expect(await (await app().request("/api/me")).json()).toEqual({ user: null });
    for (const path of ["/api/nope", "/ws", "/healthz", "/readyz/x"]) {
      const res = await app().request(path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/json");
    }
  });

  it("serves nothing when the UI is not built", () => {
    expect(serveWebUi(new Hono(), join(dir, "missing"))).toBe(false);
  });
});

/** What a browser makes of a body sent with `encoding`. */
const DECODE: Record<string, (body: Buffer) => Buffer> = { br: brotliDecompressSync, gzip: gunzipSync, identity: (body) => body };

describe("serveWebUi on a real build: precompressed, negotiated", () => {
  const built = mkdtempSync(join(tmpdir(), "parley-ui-build-"));
  beforeAll(() => build({ configFile: new URL("../../../web/vite.config.ts", import.meta.url).pathname, build: { outDir: built }, logLevel: "warn" }));
  afterAll(() => rmSync(built, { recursive: true, force: true }));
  /** The entry script index.html loads (other chunks load on first use, and a tiny one is not worth compressing). */
  const script = () => /src="\/assets\/([^"]+\.js)"/.exec(readFileSync(join(built, "index.html"), "utf8"))![1]!;

  it("vite build writes a .br and a .gz beside every page, script and style sheet", () => {
    const files = [...readdirSync(built), ...readdirSync(join(built, "assets")).map((name) => `assets/${name}`)];
    const originals = files.filter((file) => /\.(html|js|css)$/.test(file));
    expect(originals.length).toBeGreaterThanOrEqual(3);
    for (const file of originals) {
      // A file that compression would not shrink (a few bytes) is served as it is.
      if (gzipSync(readFileSync(join(built, file))).length >= statSync(join(built, file)).size) continue;
      expect(files, file).toEqual(expect.arrayContaining([`${file}.br`, `${file}.gz`]));
    }
  });

  it.each([
    ["brotli-encoded to a browser that accepts br", "gzip, deflate, br, zstd", "br"],
    ["gzip-encoded to a browser that accepts gzip only", "gzip, deflate", "gzip"],
    ["as they are without Accept-Encoding", undefined, "identity"],
  ])("sends index.html and the hashed script %s", async (_name, accept, encoding) => {
    const pages = [
      { path: "/", file: "index.html", type: "text/html", cache: "no-cache" },
      { path: "/rooms/abc", file: "index.html", type: "text/html", cache: "no-cache" },
      { path: `/assets/${script()}`, file: `assets/${script()}`, type: "text/javascript", cache: "public, max-age=31536000, immutable" },
    ];
    for (const { path, file, type, cache } of pages) {
      const res = await app(built).request(path, { headers: accept ? { "accept-encoding": accept } : {} });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-encoding") ?? "identity", path).toBe(encoding);
      expect(res.headers.get("vary"), path).toBe("Accept-Encoding");
      expect(res.headers.get("cache-control"), path).toBe(cache);
      expect(res.headers.get("content-type"), path).toMatch(new RegExp(`^${type}(;|$)`));
      const body = Buffer.from(await res.arrayBuffer());
      expect(DECODE[encoding]!(body).equals(readFileSync(join(built, file))), path).toBe(true);
    }
  });

  it("never serves a precompressed copy or a rules file as itself: index.html instead, as Workers do", async () => {
    for (const path of [`/assets/${script()}.br`, `/assets/${script()}.gz`, "/index.html.br", "/.assetsignore"]) {
      const res = await app(built).request(path);
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(res.headers.get("content-encoding"), path).toBeNull();
      expect(await res.text(), path).toContain("<!doctype html>");
    }
  });
});
