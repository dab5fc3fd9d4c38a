/**
 * A reader of the Prometheus text exposition format (0.0.4) for tests, strict where scrapers are:
 * every line is a `# HELP`, a `# TYPE` or a sample; a sample belongs to a family typed before it;
 * a histogram has `_bucket` lines with non-decreasing counts up to `le="+Inf"`, equal to its `_count`,
 * and a `_sum`. `parsePrometheusText` throws naming the first line that breaks a rule.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
  /** The value of the one sample with this name and these labels (at least), or undefined. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\["\\n])*)"(,|$)/y;
const SUFFIXES = ["_bucket", "_sum", "_count"];

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`bad labels in "${line}"`);
    labels[match[1]!] = match[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

/** A sample value as Prometheus reads it (Go's ParseFloat: Inf and NaN in any case; prom-client writes `Nan`). */
function parseValue(text: string, line: string): number {
  if (/^\+?inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const value = Number(text);
  if (text === "" || Number.isNaN(value)) throw new Error(`bad value in "${line}"`);
  return value;
}

/** The family a sample line belongs to: its own name, or a histogram's or summary's without the suffix. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const suffix = SUFFIXES.find((s) => name.endsWith(s));
  const base = suffix && name.slice(0, -suffix.length);
  return base && ["histogram", "summary"].includes(types.get(base) ?? "") ? base : undefined;
}

export function parsePrometheusText(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  for (const line of text.slice(0, -1).split("\n")) {
    if (line === "") continue;
    let match: RegExpExecArray | null;
    if ((match = HELP.exec(line))) help.set(match[1]!, match[2]!);
    else if ((match = TYPE.exec(line))) {
      if (types.has(match[1]!)) throw new Error(`${match[1]} typed twice`);
      types.set(match[1]!, match[2]!);
    } else if (line.startsWith("#")) throw new Error(`unknown comment line "${line}"`);
    else if ((match = SAMPLE.exec(line))) {
      if (!familyOf(match[1]!, types)) throw new Error(`sample before its # TYPE: "${line}"`);
      samples.push({ name: match[1]!, labels: parseLabels(match[2] ?? "", line), value: parseValue(match[3]!, line) });
    } else throw new Error(`not an exposition line: "${line}"`);
  }
  for (const [name, type] of types) if (type === "histogram") checkHistogram(name, samples);
  const value = (name: string, labels: Record<string, string> = {}) => {
    const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (hits.length > 1) throw new Error(`${hits.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return hits[0]?.value;
  };
  return { types, help, samples, value };
}

/** Buckets cumulative and ending at +Inf = _count, per label set (le aside). */
function checkHistogram(name: string, samples: Sample[]) {
  const series = new Map<string, { buckets: Sample[]; count?: number; sum?: number }>();
  const keyOf = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== "le")
        .sort(),
    );
  for (const s of samples) {
    if (!s.name.startsWith(name) || !SUFFIXES.includes(s.name.slice(name.length))) continue;
    const key = keyOf(s.labels);
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${name}_bucket`) entry.buckets.push(s);
    else if (s.name === `${name}_count`) entry.count = s.value;
    else entry.sum = s.value;
  }
  for (const [key, { buckets, count, sum }] of series) {
    const bounds = buckets.map((b) => parseValue(b.labels.le ?? "", `${name}_bucket ${key}`));
    if (bounds.at(-1) !== Infinity) throw new Error(`${name}${key}: no le="+Inf" bucket last`);
    for (let i = 1; i < buckets.length; i++) {
      if (bounds[i]! <= bounds[i - 1]!) throw new Error(`${name}${key}: bucket bounds not increasing`);
      if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${name}${key}: bucket counts not cumulative`);
    }
    if (count === undefined || sum === undefined) throw new Error(`${name}${key}: _count or _sum missing`);
    if (buckets.at(-1)!.value !== count) throw new Error(`${name}${key}: +Inf bucket ${buckets.at(-1)!.value} is not _count ${count}`);
  }
}
