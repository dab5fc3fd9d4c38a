import type { BarChart, Figure, Section } from "./report.ts";

const fmt = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? "–" : Math.abs(x) >= 100 ? String(Math.round(x)) : String(Math.round(x * 100) / 100);
const verdict = (f: Figure) => (f.pass === undefined ? "" : f.pass ? "yes" : "**no**");

/** The plain table printed at the end of a run. */
export function renderTable(sections: Section[]): string {
  const rows = [["figure", "ours", "baseline", "ratio", "goal", "met"]];
  for (const s of sections)
    for (const f of s.figures)
      rows.push([
        `${f.label} (${f.unit})`,
        fmt(f.ours),
        f.baseline === null ? "–" : `${fmt(f.baseline)} ${f.baselineLabel ?? ""}`.trim(),
        fmt(f.ratio),
        f.goal?.text ?? "",
        f.pass === undefined ? "" : f.pass ? "yes" : "NO",
      ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ")).join("\n");
}

export function renderMarkdown(
  report: {
    date: string;
    updated?: Record<string, string>;
    machine: Record<string, unknown>;
    pinning: Record<string, unknown>;
    quick: boolean;
    sections: Section[];
    failures: Array<{ id: string; error: string }>;
  },
  base: string,
): string {
  const lines = [`# Parley benchmarks (${report.date.slice(0, 10)})`, ""];
  lines.push(
    `Machine: ${JSON.stringify(report.machine)}. Pinning: ${JSON.stringify(report.pinning)}.${report.quick ? " Quick mode (smaller sizes)." : ""}`,
    "",
  );
  lines.push("Each figure is ours ÷ baseline measured in the same run; docs/benchmarks.md explains how to read it.", "");
  for (const s of report.sections) {
    const again = report.updated?.[s.id];
    lines.push(
      `## ${s.title}`,
      "",
      again ? `${s.method} (Re-measured ${again.slice(0, 16).replace("T", " ")} UTC.)` : s.method,
      "",
      "| figure | ours | baseline | ratio | goal | met |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const f of s.figures)
      lines.push(
        `| ${f.label} (${f.unit}) | ${fmt(f.ours)} | ${f.baseline === null ? "–" : `${fmt(f.baseline)} ${f.baselineLabel ?? ""}`.trim()} | ${fmt(f.ratio)} | ${f.goal?.text ?? ""} | ${verdict(f)} |`,
      );
    for (const f of s.figures.filter((x) => x.note)) lines.push("", `- ${f.label}: ${f.note}`);
    for (const [i] of (s.charts ?? []).entries()) lines.push("", `![${s.title}](${base}-${s.id}-${i}.svg)`);
    lines.push("");
  }
  if (report.failures.length) lines.push("## Failed", "", ...report.failures.map((f) => `- ${f.id}: ${f.error.split("\n")[0]}`), "");
  return lines.join("\n");
}

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
const PALETTE = ["#3b6fd8", "#9aa5b1", "#e07b39", "#3aa675"];

/** A grouped bar chart as a standalone SVG: one group per label, one bar per series, values on top. */
export function renderBarChart(chart: BarChart): string {
  const width = 720;
  const height = 360;
  const m = { top: 48, right: 20, bottom: 56, left: 64 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const max = Math.max(1e-9, ...chart.series.flatMap((s) => s.values.filter(Number.isFinite)));
  const niceMax = niceCeil(max);
  const groupW = plotW / chart.labels.length;
  const barW = Math.min(48, (groupW * 0.8) / chart.series.length);
  const y = (v: number) => m.top + plotH - (v / niceMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(chart.title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (niceMax * i) / 4;
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e4e7eb"/>`);
    out.push(`<text x="${m.left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#52606d">${short(v)}</text>`);
  }
  out.push(
    `<text x="14" y="${m.top + plotH / 2}" transform="rotate(-90 14 ${m.top + plotH / 2})" text-anchor="middle" fill="#52606d">${escapeXml(chart.unit)}</text>`,
  );
  chart.labels.forEach((label, g) => {
    const x0 = m.left + g * groupW + (groupW - barW * chart.series.length) / 2;
    chart.series.forEach((s, k) => {
      const v = s.values[g] ?? NaN;
      if (!Number.isFinite(v)) return;
      const x = x0 + k * barW;
      out.push(`<rect x="${x + 2}" y="${y(v)}" width="${barW - 4}" height="${m.top + plotH - y(v)}" fill="${PALETTE[k % PALETTE.length]}"/>`);
      out.push(`<text x="${x + barW / 2}" y="${y(v) - 4}" text-anchor="middle" font-size="10" fill="#323f4b">${short(v)}</text>`);
    });
    out.push(`<text x="${m.left + g * groupW + groupW / 2}" y="${m.top + plotH + 18}" text-anchor="middle" fill="#323f4b">${escapeXml(label)}</text>`);
  });
  // Legend entries side by side, each as wide as its label (about 7 px a character at 12 px).
  let x = m.left;
  chart.series.forEach((s, k) => {
    out.push(`<rect x="${x}" y="${height - 22}" width="12" height="12" fill="${PALETTE[k % PALETTE.length]}"/>`);
    out.push(`<text x="${x + 18}" y="${height - 12}" fill="#323f4b">${escapeXml(s.name)}</text>`);
    x += 18 + s.name.length * 7 + 24;
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function niceCeil(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= x) return f * p;
  return 10 * p;
}

function short(v: number): string {
  if (v >= 1e6) return `${Math.round(v / 1e5) / 10}M`;
  if (v >= 1e4) return `${Math.round(v / 100) / 10}k`;
  return Math.abs(v) >= 100 ? String(Math.round(v)) : String(Math.round(v * 100) / 100);
}
