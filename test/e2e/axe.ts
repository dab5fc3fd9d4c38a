import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AxeResults, ImpactValue, Result } from "axe-core";
import type { Page } from "playwright-core";

/** axe-core's browser bundle, read once. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** The impacts the suite fails on: what keeps someone from using a screen, not advice. */
const BLOCKING: ImpactValue[] = ["serious", "critical"];

/**
 * Runs axe-core on the page as it is now and returns its serious and critical violations, one
 * readable block each (empty when there are none), so `expect(await axeViolations(page)).toEqual([])`
 * prints what failed and where. The UI's CSP (`script-src 'self'`) refuses an injected `<script>`;
 * Playwright's `evaluate` runs through the DevTools protocol, which CSP does not govern.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() => (window as unknown as { axe: { run(): Promise<AxeResults> } }).axe.run());
  return results.violations.filter((v) => v.impact && BLOCKING.includes(v.impact)).map(describe);
}

/** `[serious] rule: what it means (help URL)` and one line per offending element. */
function describe(violation: Result): string {
  const nodes = violation.nodes.map((n) => `  ${n.target.join(" ")}: ${n.failureSummary?.replaceAll("\n", " ") ?? ""}`);
  return [`[${violation.impact}] ${violation.id}: ${violation.help} (${violation.helpUrl})`, ...nodes].join("\n");
}
