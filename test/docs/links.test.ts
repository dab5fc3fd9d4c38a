import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { githubSlugs } from "./markdown.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** README.md and every Markdown file under docs/. */
function documents(): string[] {
  const found = [join(ROOT, "README.md")];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".md")) found.push(path);
    }
  };
  walk(join(ROOT, "docs"));
  return found;
}

/** Markdown without fenced code blocks and code spans, whose brackets are not links. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^\s*(```|~~~)[\s\S]*?^\s*\1\s*$/gm, "").replace(/(`+)[^`]*?\1/g, "");
}

/** Targets of inline links and images, `[text](target "title")`, and of reference definitions `[id]: target`. */
function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const inline = [...text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g)].map((m) => m[1]!);
  const references = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/gm)].map((m) => m[1]!);
  return [...inline, ...references].map((t) => t.replace(/^<|>$/g, ""));
}

const external = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");

/** What is wrong with one relative link from `from`, or undefined when it resolves. */
function problem(from: string, target: string): string | undefined {
  const [pathPart = "", anchor] = target.split("#", 2) as [string, string | undefined];
  const path = decodeURIComponent(pathPart.split("?")[0]!);
  const file = path === "" ? from : path.startsWith("/") ? join(ROOT, path) : join(dirname(from), path);
  if (!existsSync(file)) return `${target}: no such file ${relative(ROOT, file)}`;
  if (anchor === undefined) return undefined;
  if (!file.endsWith(".md")) return `${target}: an anchor into a file that is not Markdown`;
  if (!githubSlugs(readFileSync(file, "utf8")).has(decodeURIComponent(anchor)))
    return `${target}: no heading with the anchor #${anchor} in ${relative(ROOT, file)}`;
  return undefined;
}

describe("documentation links", () => {
  const docs = documents();

  it("finds the documents and their links", () => {
    expect(docs.map((d) => relative(ROOT, d))).toEqual(expect.arrayContaining(["README.md", "docs/protocol.md"]));
    const readme = linkTargets(readFileSync(join(ROOT, "README.md"), "utf8"));
    expect(readme).toContain("docs/protocol.md");
    expect(readme.filter((t) => !external(t)).length).toBeGreaterThan(5);
  });

  it.each(docs.map((d) => [relative(ROOT, d), d]))("every relative link in %s resolves, anchors included", (_name, doc) => {
    const broken = linkTargets(readFileSync(doc, "utf8"))
      .filter((target) => !external(target))
      .map((target) => problem(doc, target))
      .filter((p) => p !== undefined);
    expect(broken).toEqual([]);
  });

  it("keeps the README an overview", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8").trimEnd().split("\n").length).toBeLessThanOrEqual(150);
  });
});

describe("the link checker", () => {
  it("reads inline links, images, titles and references, and skips code", () => {
    const sample = ['[a](x.md) ![b](img/y.png "title") [c](<z w.md>)', "`[not](code.md)`", "```", "[nor](fenced.md)", "```", "[ref]: r.md"].join("\n");
    expect(linkTargets(sample)).toEqual(["x.md", "img/y.png", "z w.md", "r.md"]);
  });

  it("makes GitHub's anchors", () => {
    const slugs = githubSlugs(
      "# Running on Cloudflare Workers (wrangler dev)\n## `npm run cluster`\n## CI: `.ci/run`\n## Setup\n## Setup\n```\n# not a heading\n```",
    );
    expect([...slugs]).toEqual(["running-on-cloudflare-workers-wrangler-dev", "npm-run-cluster", "ci-cirun", "setup", "setup-1"]);
  });

  it("reports a missing file and a missing heading", () => {
    const from = join(ROOT, "README.md");
    expect(problem(from, "docs/nope.md")).toMatch(/no such file/);
    expect(problem(from, "docs/protocol.md#no-such-heading")).toMatch(/no heading/);
    expect(problem(from, "docs/protocol.md#versioning")).toBeUndefined();
    expect(problem(from, "#configuration")).toBeUndefined();
  });
});
