/**
 * Part of `npm run lint`: every package a workspace's runtime code imports is in that workspace's
 * own `dependencies`. A package that is only hoisted from another workspace or a root
 * devDependency works in development and breaks a production install (`npm ci --omit=dev`).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const WORKSPACES = ["protocol", "common", "db", "worker", "lb", "web"];
const TEST_ONLY = /\.(test|contract)\.tsx?$|\/test-support\//;
const PROVIDED = [/^node:/, /^cloudflare:/, new RegExp(`^(${builtinModules.join("|")})$`)];

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.tsx?$/.test(name) && !TEST_ONLY.test(path)) yield path;
  }
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

const problems: string[] = [];
for (const workspace of WORKSPACES) {
  const manifest = JSON.parse(readFileSync(join(ROOT, workspace, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const declared = new Set(Object.keys(manifest.dependencies ?? {}));
  for (const file of files(join(ROOT, workspace, "src"))) {
    const source = readFileSync(file, "utf8");
    // `import type` vanishes at run time; every other static or dynamic import must resolve.
    for (const match of source.matchAll(
      /(?:^|\n)\s*(?:import|export)(?!\s+type\s)[^"'`;]*?from\s*["']([^"'.][^"']*)["']|import\(\s*["']([^"'.][^"']*)["']\s*\)|(?:^|\n)\s*import\s*["']([^"'.][^"']*)["']/g,
    )) {
      const specifier = (match[1] ?? match[2] ?? match[3])!;
      if (PROVIDED.some((pattern) => pattern.test(specifier))) continue;
      if (!declared.has(packageOf(specifier))) problems.push(`${relative(ROOT, file)}: imports ${specifier}, not in ${workspace}/package.json "dependencies"`);
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("lint: every workspace declares the packages its runtime code imports");
