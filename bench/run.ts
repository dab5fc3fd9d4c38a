/**
 * `npm run bench`: every benchmark in one run, one report. `npm run bench -- fanout ring` runs only
 * those (and writes bench/results/partial.json instead of latest.json); with BENCH_UPDATE=1 their
 * sections replace the same ones in latest.json instead. BENCH_QUICK=1 shrinks sizes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import type { Bench, BenchOptions, Section } from "./lib/report.ts";
import { cpuSplit } from "./lib/cpus.ts";
import { renderBarChart, renderMarkdown, renderTable } from "./lib/render.ts";

/** id → module exporting `run: Bench`, in report order. */
export const BENCHES: Record<string, string> = {
  fanout: "./fanout.ts",
  cross: "./cross-worker.ts",
  idle: "./idle-memory.ts",
  http: "./http.ts",
  lb: "./lb.ts",
  ring: "./ring.ts",
  storage: "./storage.ts",
  events: "./events.ts",
  search: "./search.ts",
  hotroom: "./hot-room.ts",
  logins: "./logins.ts",
  suggest: "./suggest.ts",
  runtimes: "./runtimes.ts",
  scale: "./scale.ts",
};

const RESULTS = new URL("./results/", import.meta.url).pathname;

const wanted = process.argv.slice(2);
for (const id of wanted) if (!(id in BENCHES)) throw new Error(`unknown bench "${id}"; known: ${Object.keys(BENCHES).join(", ")}`);
const ids = wanted.length ? wanted : Object.keys(BENCHES);
const split = cpuSplit();
const options: BenchOptions = { quick: process.env.BENCH_QUICK === "1", serverCpus: split.serverCpus, clientCpus: split.clientCpus };

const sections: Section[] = [];
const failures: Array<{ id: string; error: string }> = [];
for (const id of ids) {
  const started = performance.now();
  process.stderr.write(`\n== bench ${id}\n`);
  try {
    const { run } = (await import(BENCHES[id]!)) as { run: Bench };
    const section = await run(options);
    sections.push(section);
    process.stderr.write(`${renderTable([section])}\n(${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  } catch (error) {
    const message = (error as Error).stack ?? String(error);
    failures.push({ id, error: message });
    process.stderr.write(`bench ${id} failed: ${message}\n`);
  }
}

const update = wanted.length > 0 && process.env.BENCH_UPDATE === "1" && existsSync(`${RESULTS}latest.json`);
const previous = update ? (JSON.parse(readFileSync(`${RESULTS}latest.json`, "utf8")) as { sections: Section[]; updated?: Record<string, string> }) : undefined;
const now = new Date().toISOString();
const report = {
  date: previous ? (previous as unknown as { date: string }).date : now,
  /** Sections re-measured after `date`, with when. */
  updated: previous ? { ...previous.updated, ...Object.fromEntries(sections.map((s) => [s.id, now])) } : undefined,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  pinning: split,
  quick: options.quick,
  sections: previous
    ? previous.sections.map((old) => sections.find((s) => s.id === old.id) ?? old).concat(sections.filter((s) => !previous.sections.some((o) => o.id === s.id)))
    : sections,
  failures,
};
mkdirSync(RESULTS, { recursive: true });
const base = options.quick ? "quick" : wanted.length && !update ? "partial" : "latest";
writeFileSync(`${RESULTS}${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(`${RESULTS}${base}.md`, renderMarkdown(report, base));
for (const section of report.sections)
  for (const [i, chart] of (section.charts ?? []).entries()) writeFileSync(`${RESULTS}${base}-${section.id}-${i}.svg`, renderBarChart(chart));
console.log(renderTable(sections));
console.log(
  `\nwrote bench/results/${base}.json and ${base}.md${failures.length ? `; ${failures.length} bench(es) failed: ${failures.map((f) => f.id).join(", ")}` : ""}`,
);
process.exit(failures.length ? 1 : 0);
