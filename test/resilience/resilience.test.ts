import { afterAll, describe, expect, it } from "vitest";
import { formatTable } from "./report.ts";
import { SCENARIOS, SHORT, type ScenarioResult } from "./scenarios/index.ts";

/**
 * The short resilience run: every chaos scenario against real processes, checked against
 * the database. `npm run test:resilience` runs the long version.
 */
describe("resilience (short)", () => {
  const results: ScenarioResult[] = [];
  afterAll(() => {
    if (results.length) console.log(formatTable(results));
  });

  for (const [name, run] of Object.entries(SCENARIOS)) {
    it(name, { timeout: 150_000 }, async () => {
      const result = await run(SHORT);
      results.push(result);
      expect(result.failures, JSON.stringify({ summary: result.summary, notes: result.notes }, null, 1)).toEqual([]);
    });
  }
});
