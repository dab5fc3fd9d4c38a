import type { Figure, Section } from "./report.ts";

const fmt = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? "–" : Math.abs(x) >= 100 ? String(Math.round(x)) : String(Math.round(x * 100) / 100));
const verdict = (f: Figure) => (f.pass === undefined ? "" : f.pass ? "yes" : "**no**");

/** The plain table printed at the end of a run. */
export function renderTable(sections: Section[]): string {
  const rows = [["figure", "ours", "baseline", "ratio", "goal", "met"]];
  for (const s of sections)
    for (const f of s.figures) rows.push([`${f.label} (${f.unit})`, fmt(f.ours), f.baseline === null ? "–" : `${fmt(f.baseline)} ${f.baselineLabel ?? ""}`.trim(), fmt(f.ratio), f.goal?.text ?? "", f.pass === undefined ? "" : f.pass ? "yes" : "NO"]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ")).join("\n");
}

export function renderMarkdown(report: { date: string; machine: Record<string, unknown>; pinning: Record<string, unknown>; quick: boolean; sections: Section[]; failures: Array<{ id: string; error: string }> }, base: string): string {
  const lines = [`# Parley benchmarks (${report.date.slice(0, 10)})`, ""];
  lines.push(`Machine: ${JSON.stringify(report.machine)}. Pinning: ${JSON.stringify(report.pinning)}.${report.quick ? " Quick mode (smaller sizes)." : ""}`, "");
  lines.push("Each figure is ours ÷ baseline measured in the same run; README “Benchmarks” explains how to read it.", "");
  for (const s of report.sections) {
    lines.push(`## ${s.title}`, "", s.method, "", "| figure | ours | baseline | ratio | goal | met |", "| --- | --- | --- | --- | --- | --- |");
    for (const f of s.figures)
      lines.push(`| ${f.label} (${f.unit}) | ${fmt(f.ours)} | ${f.baseline === null ? "–" : `${fmt(f.baseline)} ${f.baselineLabel ?? ""}`.trim()} | ${fmt(f.ratio)} | ${f.goal?.text ?? ""} | ${verdict(f)} |`);
    for (const f of s.figures.filter((x) => x.note)) lines.push("", `- ${f.label}: ${f.note}`);
    for (const [i] of (s.charts ?? []).entries()) lines.push("", `![${s.title}](${base}-${s.id}-${i}.svg)`);
    lines.push("");
  }
  if (report.failures.length) lines.push("## Failed", "", ...report.failures.map((f) => `- ${f.id}: ${f.error.split("\n")[0]}`), "");
  return lines.join("\n");
}
