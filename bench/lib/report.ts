/**
 * The shape every benchmark returns to `npm run bench` (bench/run.ts), and the small statistics
 * they share. A figure is "ours ÷ baseline, measured in the same run": absolute numbers move with
 * the machine's load, ratios hold better.
 */

export interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** Which way is good for a figure's raw value: req/s wants higher, milliseconds and bytes lower. */
export type Better = "higher" | "lower";

export interface Goal {
  /** The ratio (ours ÷ baseline) must be at least / at most this. */
  ratio?: { op: ">=" | "<="; value: number };
  /** Or the raw value itself (e.g. added p50 < 1 ms, lost messages = 0). */
  value?: { op: ">=" | "<=" | "<" | "=="; value: number };
  /** Human wording, shown in the report. */
  text: string;
}

export interface Figure {
  /** Stable key, e.g. "fanout.100.rate". */
  id: string;
  label: string;
  unit: string;
  better: Better;
  ours: number;
  /** null when the figure has no baseline (e.g. ring balance, lost messages). */
  baseline: number | null;
  baselineLabel?: string;
  /** ours ÷ baseline, rounded to 2 decimals; null without a baseline. */
  ratio: number | null;
  goal?: Goal;
  /** Set by `figure()` from the goal. */
  pass?: boolean;
  note?: string;
}

/** An SVG chart request: grouped bars, one group per label, one bar per series. */
export interface BarChart {
  title: string;
  unit: string;
  labels: string[];
  series: Array<{ name: string; values: number[] }>;
}

export interface Section {
  id: string;
  title: string;
  /** What was measured and how, one or two sentences for the markdown report. */
  method: string;
  figures: Figure[];
  charts?: BarChart[];
  /** Raw numbers kept in latest.json for whoever wants to dig. */
  details?: unknown;
}

/** Options every bench gets from bench/run.ts. */
export interface BenchOptions {
  /** `BENCH_QUICK=1`: smaller sizes and shorter runs, for a smoke run (CI). */
  quick: boolean;
  /** CPU list for servers (workers, balancer, baselines) and for load generators, for `taskset -c`. */
  serverCpus: string;
  clientCpus: string;
}

export type Bench = (options: BenchOptions) => Promise<Section>;

const round = (x: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** The nearest-rank value at fraction `p` of samples sorted ascending. */
const rank = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

export function latency(samples: number[]): Latency {
  if (samples.length === 0) return { n: 0, p50: NaN, p99: NaN, max: NaN };
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: round(rank(s, 0.5), 3), p99: round(rank(s, 0.99), 3), max: round(s.at(-1)!, 3) };
}

/** p50 and p95 of a few hundred samples (the browser bench's), where p99 would be the worst one or two. */
export function spread(samples: number[]): { n: number; p50: number; p95: number; max: number } {
  if (samples.length === 0) return { n: 0, p50: NaN, p95: NaN, max: NaN };
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: round(rank(s, 0.5), 3), p95: round(rank(s, 0.95), 3), max: round(s.at(-1)!, 3) };
}

/** Builds a figure, computing the ratio and whether it meets its goal. */
export function figure(f: Omit<Figure, "ratio" | "pass">): Figure {
  const ratio = f.baseline === null || f.baseline === 0 ? null : round(f.ours / f.baseline, 2);
  const out: Figure = { ...f, ours: round(f.ours, 3), baseline: f.baseline === null ? null : round(f.baseline, 3), ratio };
  if (f.goal) out.pass = meets(out, f.goal);
  return out;
}

function meets(f: Figure, goal: Goal): boolean {
  const check = (x: number | null, op: string, v: number) =>
    x !== null && Number.isFinite(x) && (op === ">=" ? x >= v : op === "<=" ? x <= v : op === "<" ? x < v : x === v);
  if (goal.ratio && !check(f.ratio, goal.ratio.op, goal.ratio.value)) return false;
  if (goal.value && !check(f.ours, goal.value.op, goal.value.value)) return false;
  return true;
}

/** Runs `fn` until `ms` elapsed with `loops` concurrent closed loops; returns each call's latency. */
export async function closedLoops(loops: number, ms: number, fn: () => Promise<void>): Promise<{ samples: number[]; errors: number; seconds: number }> {
  const samples: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await fn();
          samples.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { samples, errors, seconds: (performance.now() - start) / 1000 };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
