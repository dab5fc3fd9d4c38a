/**
 * `npm run lint`: keeps the core runtime-neutral. Only entry points and adapters (worker/src/node, worker/src/workerd,
 * worker/src/entry, db/src/node.ts, db/src/cli) may import a runtime or a driver. The balancer (lb/) and the shared
 * pieces (common/) import nothing from the worker.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const CORE = ["protocol/src", "common/src", "db/src", "worker/src"];
const ADAPTERS = [/^worker\/src\/node\//, /^worker\/src\/workerd\//, /^worker\/src\/entry\//, /^db\/src\/node\.ts$/, /^db\/src\/cli\//, /\.test\.ts$/, /\.contract\.ts$/];
const FORBIDDEN = [/^ioredis$/, /^postgres$/, /^@hono\/node-/, /^cloudflare:/, /^node:/, /^pino$/, /^@electric-sql\/pglite/, /^@parley\/db\/node$/, /^ws$/, /^drizzle-orm\/(postgres-js|pglite)/];

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.tsx?$/.test(name)) yield path;
  }
}

const problems: string[] = [];
for (const dir of CORE) {
  for (const file of files(join(ROOT, dir))) {
    const rel = relative(ROOT, file);
    if (ADAPTERS.some((pattern) => pattern.test(rel))) continue;
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      const specifier = match[1]!;
      if (FORBIDDEN.some((pattern) => pattern.test(specifier))) problems.push(`${rel}: imports ${specifier} (core code must stay runtime-neutral)`);
    }
  }
}
for (const dir of ["lb/src", "common/src"]) {
  for (const file of files(join(ROOT, dir))) {
    const rel = relative(ROOT, file);
    for (const match of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      if (/^@parley\/worker|\/worker\/src\//.test(match[1]!)) problems.push(`${rel}: imports ${match[1]} (shared code lives in @parley/common)`);
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("lint: core modules import no runtime or driver; lb/ and common/ import nothing from the worker");
