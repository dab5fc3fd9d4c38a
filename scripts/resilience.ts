import { mkdirSync, writeFileSync } from "node:fs";
import { checkRun } from "../test/resilience/checker.ts";
import { formatTable } from "../test/resilience/report.ts";
import { LONG, SCENARIOS, SHORT, type ScenarioResult } from "../test/resilience/scenarios/index.ts";

/**
 * `npm run test:resilience [scenario…]`: the chaos scenarios against real processes, the
 * long sizes unless RESILIENCE_SHORT=1. Prints a table and writes test-results/resilience.json.
 */
const short = process.env.RESILIENCE_SHORT === "1";
const sizes = short ? SHORT : LONG;
const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SCENARIOS);
const unknown = names.filter((n) => !SCENARIOS[n]);
if (unknown.length) {
  console.error(`unknown scenario ${unknown.join(", ")}; known: ${Object.keys(SCENARIOS).join(", ")}`);
  process.exit(2);
}

const results: ScenarioResult[] = [];
const started = Date.now();
for (const name of names) {
  console.log(`--- ${name} (${short ? "short" : "long"})`);
  const result = await SCENARIOS[name]!(sizes).catch((error: Error): ScenarioResult => ({
    summary: checkRun(name, [], { messages: [], events: [], reactions: [] }),
    notes: {},
    failures: [`the scenario threw: ${error.stack ?? error.message}`],
    durationMs: 0,
  }));
  results.push(result);
  const { output, ...notes } = result.notes;
  console.log(JSON.stringify({ ...result.summary, notes, failures: result.failures }));
  if (output) console.log(output);
}
console.log(`\n${formatTable(results)}\n\n${names.length} scenarios in ${((Date.now() - started) / 1000).toFixed(0)} s`);
mkdirSync("test-results", { recursive: true });
writeFileSync(
  "test-results/resilience.json",
  JSON.stringify({ mode: short ? "short" : "long", sizes, startedAt: new Date(started).toISOString(), results }, null, 2),
);
process.exit(results.some((r) => r.failures.length) ? 1 : 0);
