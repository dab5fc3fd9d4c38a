import type { ScenarioResult } from "./scenarios/common.ts";
import { VIOLATIONS } from "./checker.ts";

const COLUMNS = ["sent", "acked", "stored", "received", "changes", "changesAccepted", "reconnects", ...VIOLATIONS] as const;

/** One line per scenario: totals, then every count that must be zero, then pass/fail and time. */
export function formatTable(results: ScenarioResult[]): string {
  const header = ["scenario", ...COLUMNS, "result", "s"];
  const rows = results.map((r) => [
    r.summary.scenario,
    ...COLUMNS.map((c) => String(r.summary[c])),
    r.failures.length ? "FAIL" : "ok",
    (r.durationMs / 1000).toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const failures = results.flatMap((r) => r.failures.map((f) => `  ${r.summary.scenario}: ${f}`));
  return [line(header), ...rows.map(line), ...(failures.length ? ["failures:", ...failures] : [])].join("\n");
}
