import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureWebBuild } from "./ensure-web-build.ts";

/** A web folder with sources, and a dist built `distAge` seconds after (positive) or before them. */
function webFolder(distAge?: number): string {
  const web = mkdtempSync(join(tmpdir(), "parley-web-"));
  mkdirSync(join(web, "src"));
  writeFileSync(join(web, "src/main.tsx"), "");
  writeFileSync(join(web, "index.html"), "");
  const sourcesAt = Date.now() / 1000 - 100;
  for (const file of ["src/main.tsx", "src", "index.html"]) utimesSync(join(web, file), sourcesAt, sourcesAt);
  if (distAge !== undefined) {
    mkdirSync(join(web, "dist"));
    writeFileSync(join(web, "dist/index.html"), "<!doctype html>");
    utimesSync(join(web, "dist/index.html"), sourcesAt + distAge, sourcesAt + distAge);
  }
  return web;
}

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((f) => rmSync(f, { recursive: true, force: true })));
const folder = (distAge?: number) => (folders.push(webFolder(distAge)), folders.at(-1)!);

/** A stand-in for Vite that records its builds and, like Vite, sets NODE_ENV=production. */
function fakeVite() {
  const builds: string[] = [];
  return {
    builds,
    load: async () => ({
      build: (async (config: { configFile: string }) => {
        builds.push(config.configFile);
        process.env.NODE_ENV = "production";
      }) as never,
    }),
  };
}

describe("ensureWebBuild (npm start's web build)", () => {
  it("does nothing when web/dist is newer than the sources", async () => {
    const vite = fakeVite();
    await ensureWebBuild(folder(10), vite.load);
    expect(vite.builds).toEqual([]);
  });

  it("builds when web/dist is missing or older, and leaves NODE_ENV as it was for the worker", async () => {
    const before = process.env.NODE_ENV;
    for (const web of [folder(), folder(-10)]) {
      const vite = fakeVite();
      await ensureWebBuild(web, vite.load);
      expect(vite.builds).toEqual([join(web, "vite.config.ts")]);
      expect(process.env.NODE_ENV).toBe(before);
    }
  });

  it("serves an existing web/dist, even an older one, when Vite is not installed", async () => {
    await expect(ensureWebBuild(folder(-10), async () => undefined)).resolves.toBeUndefined();
  });

  it("fails with a message saying what to do when there is neither web/dist nor Vite", async () => {
    await expect(ensureWebBuild(folder(), async () => undefined)).rejects.toThrow(/web\/dist is missing and Vite is not installed.*npm run build/);
  });
});
