import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lbConfigSchema } from "../../lb/src/config.ts";
import { configSchema } from "../../worker/src/config.ts";
import { codeSpan, section, tableRows } from "./markdown.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** The variables named in the first column of the one table under a heading. */
function variables(markdown: string, title: string): string[] {
  const tables = tableRows(section(markdown, title));
  expect(tables, `one table under "${title}"`).toHaveLength(1);
  return tables[0]!.map(({ cells }) => {
    const name = codeSpan(cells[0]!);
    expect(name, `"${cells[0]}" must be one code span`).toMatch(/^[A-Z][A-Z0-9_]*$/);
    return name!;
  });
}

const sorted = (names: Iterable<string>) => [...names].sort();

describe("the configuration tables", () => {
  it("README's lists every variable a worker reads, once", () => {
    const documented = variables(read("README.md"), "Configuration");
    expect(documented.length).toBe(new Set(documented).size);
    expect(sorted(documented)).toEqual(sorted(Object.keys(configSchema.in.shape)));
  });

  it("docs/cluster.md's lists every variable the balancer reads, once", () => {
    const documented = variables(read("docs/cluster.md"), "Balancer settings");
    expect(documented.length).toBe(new Set(documented).size);
    expect(sorted(documented)).toEqual(sorted(Object.keys(lbConfigSchema.in.shape)));
  });

  it("docs/cloudflare.md's lists the Workers-only settings in wrangler.toml and worker-config.ts", () => {
    const documented = variables(read("docs/cloudflare.md"), "Settings");
    const source = read("worker/src/workerd/worker-config.ts");
    const own = [...source.matchAll(/^\s+(GATEWAY_[A-Z_]+):/gm)].map((m) => m[1]!);
    expect(own.length).toBeGreaterThan(0);
    for (const name of own) expect(documented).toContain(name);
    for (const name of documented) expect(Object.keys(configSchema.in.shape)).not.toContain(name);
  });
});
