import { describe, expect, it } from "vitest";
import { figure, latency, spread } from "./report.ts";
import { renderBarChart, renderMarkdown, renderTable } from "./render.ts";

describe("bench report", () => {
  it("computes the ratio and checks ratio and value goals", () => {
    const fast = figure({
      id: "a",
      label: "req/s",
      unit: "req/s",
      better: "higher",
      ours: 750,
      baseline: 1000,
      goal: { ratio: { op: ">=", value: 0.7 }, text: "≥ 0.7×" },
    });
    expect(fast).toMatchObject({ ratio: 0.75, pass: true });
    const slow = figure({
      id: "b",
      label: "req/s",
      unit: "req/s",
      better: "higher",
      ours: 600,
      baseline: 1000,
      goal: { ratio: { op: ">=", value: 0.7 }, text: "≥ 0.7×" },
    });
    expect(slow.pass).toBe(false);
    const lost = figure({
      id: "c",
      label: "lost",
      unit: "messages",
      better: "lower",
      ours: 1,
      baseline: null,
      goal: { value: { op: "==", value: 0 }, text: "0" },
    });
    expect(lost).toMatchObject({ ratio: null, pass: false });
    expect(figure({ id: "d", label: "x", unit: "ms", better: "lower", ours: NaN, baseline: 1, goal: { value: { op: "<", value: 1 }, text: "< 1" } }).pass).toBe(
      false,
    );
  });

  it("takes percentiles from the sorted samples", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(latency(samples)).toEqual({ n: 100, p50: 51, p99: 100, max: 100 });
    expect(latency([]).n).toBe(0);
    expect(spread(samples)).toEqual({ n: 100, p50: 51, p95: 96, max: 100 });
    expect(spread([]).p95).toBeNaN();
  });

  it("renders every figure in the table, the markdown and a chart", () => {
    const section = {
      id: "fanout",
      title: "Fan-out",
      method: "how",
      figures: [
        figure({
          id: "f",
          label: "delivered",
          unit: "msg/s",
          better: "higher" as const,
          ours: 5000,
          baseline: 8000,
          baselineLabel: "ws",
          goal: { ratio: { op: ">=" as const, value: 0.5 }, text: "≥ 0.5×" },
        }),
      ],
      charts: [
        {
          title: "Fan-out <rooms>",
          unit: "msg/s",
          labels: ["10", "100"],
          series: [
            { name: "parley", values: [1, 2] },
            { name: "ws", values: [3, NaN] },
          ],
        },
      ],
    };
    expect(renderTable([section])).toMatch(/delivered \(msg\/s\)\s+5000\s+8000 ws\s+0\.63\s+≥ 0\.5×\s+yes/);
    const md = renderMarkdown(
      { date: "2026-11-24T00:00:00Z", machine: {}, pinning: {}, quick: false, sections: [section], failures: [{ id: "ring", error: "boom\nstack" }] },
      "latest",
    );
    expect(md).toContain("| delivered (msg/s) | 5000 | 8000 ws | 0.63 | ≥ 0.5× | yes |");
    expect(md).toContain("![Fan-out](latest-fanout-0.svg)");
    expect(md).toContain("- ring: boom");
    const svg = renderBarChart(section.charts[0]!);
    expect(svg).toContain("Fan-out &lt;rooms&gt;");
    // Three finite values, three bars (plus the legend swatches and the background).
    expect(svg.match(/<rect x="\d[^"]*" y="[^"]*" width="\d[^"]*" height/g)?.length).toBe(3 + 2);
  });
});
