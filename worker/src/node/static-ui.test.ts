import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { afterAll, describe, expect, it } from "vitest";
import { serveWebUi } from "./static-ui.ts";

const dir = mkdtempSync(join(tmpdir(), "parley-ui-"));
mkdirSync(join(dir, "assets"));
writeFileSync(join(dir, "index.html"), "<!doctype html><title>Parley</title>");
writeFileSync(join(dir, "assets/app-1234.js"), "console.log(1)");
writeFileSync(join(dir, "_headers"), "/*\n  X-Rules: for Workers static assets\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function app() {
  const hono = new Hono();
  hono.get("/api/me", (c) => c.json({ user: null }));
  hono.notFound((c) => c.json({ error: { code: "not_found", message: "no such endpoint" } }, 404));
  expect(serveWebUi(hono, dir)).toBe(true);
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
