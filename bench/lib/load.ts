/**
 * The load generators the HTTP and balancer benches share, each run as its own process pinned to
 * the client CPUs (`taskset -c`), so that generating load never takes CPU from the servers and
 * the bench process itself stays idle while measuring.
 *
 * - HTTP: autocannon (pre-built keep-alive requests over raw sockets, one connection per closed
 *   loop). Its own histogram keeps whole milliseconds, so every response time is recorded here
 *   from its `response` event instead, at microsecond resolution.
 * - WebSocket: one socket (the `ws` package) sending `{"type":"ping"}` and waiting for the pong
 *   before the next: the round-trip time, with no queueing.
 *
 * The child side of this file runs when it is the process' entry: `load.ts <json options>`.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { latency, type Latency } from "./report.ts";

export interface HttpLoadOptions {
  kind: "http";
  url: string;
  headers?: Record<string, string>;
  /** Concurrent closed loops (keep-alive connections). */
  connections: number;
  seconds: number;
}

export interface HttpLoadResult {
  /** Successful (2xx) responses per second. */
  rps: number;
  latency: Latency;
  /** Errors, timeouts and non-2xx answers. */
  errors: number;
  /** Server CPU time (user + system) per successful request, µs, by process name; see `withCpu`. */
  cpu?: Record<string, number>;
}

export interface WsPingOptions {
  kind: "ws";
  url: string;
  protocols: string[];
  pings: number;
}

type ChildOptions = HttpLoadOptions | WsPingOptions;
const SELF = fileURLToPath(import.meta.url);

/** Runs one load-generator process on `cpus` and returns what it printed as JSON. */
function runChild<T>(options: ChildOptions, cpus: string): Promise<T> {
  const args = ["--import", "tsx", SELF, JSON.stringify(options)];
  const child = spawn("taskset", ["-c", cpus, process.execPath, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  // Hard stop: a load generator never outlives its measurement by more than a minute.
  const limit = options.kind === "http" ? options.seconds * 1000 + 60_000 : 120_000;
  const timer = setTimeout(() => child.kill("SIGKILL"), limit);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as T);
      else reject(new Error(`load generator exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** Closed-loop HTTP load on one URL with autocannon, pinned to `cpus`. */
export const httpLoad = (options: Omit<HttpLoadOptions, "kind">, cpus: string) => runChild<HttpLoadResult>({ kind: "http", ...options }, cpus);

/** Sequential WebSocket ping → pong round trips, pinned to `cpus`. */
export const wsPings = (options: Omit<WsPingOptions, "kind">, cpus: string) => runChild<Latency>({ kind: "ws", ...options }, cpus);

/** CPU time a process (all its threads) has used so far, in µs; undefined where /proc is absent. */
export function processCpuMicros(pid: number): number | undefined {
  try {
    // Fields 14 and 15 (utime, stime), in clock ticks of 10 ms on Linux; the name may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/**
 * Wraps a measurement to also report each server process' CPU time per request: a figure that
 * holds on a busy machine, where req/s moves with whatever else runs on the same cores.
 */
export function withCpu(pids: Record<string, () => number[]>, measure: (seconds: number) => Promise<HttpLoadResult>) {
  return async (seconds: number): Promise<HttpLoadResult> => {
    const total = (name: string) => pids[name]!().reduce((sum, pid) => sum + (processCpuMicros(pid) ?? NaN), 0);
    const before = Object.fromEntries(Object.keys(pids).map((name) => [name, total(name)]));
    const result = await measure(seconds);
    const n = Math.max(1, result.latency.n);
    const cpu = Object.fromEntries(Object.keys(pids).map((name) => [name, Math.round((total(name) - before[name]!) / n)]));
    return { ...result, cpu };
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** The median of each figure over several runs of one measurement. */
export function medianRun(runs: HttpLoadResult[]): HttpLoadResult & { runs: number[] } {
  const cpuNames = Object.keys(runs[0]?.cpu ?? {});
  return {
    rps: median(runs.map((r) => r.rps)),
    latency: {
      n: median(runs.map((r) => r.latency.n)),
      p50: median(runs.map((r) => r.latency.p50)),
      p99: median(runs.map((r) => r.latency.p99)),
      max: Math.max(...runs.map((r) => r.latency.max)),
    },
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    runs: runs.map((r) => r.rps),
    ...(cpuNames.length ? { cpu: Object.fromEntries(cpuNames.map((name) => [name, median(runs.map((r) => r.cpu![name]!))])) } : {}),
  };
}

/**
 * Measures every target `rounds` times, interleaved (A B C, A B C, …) so that a burst of load from
 * elsewhere on the machine lands on all of them alike, after one short discarded warm-up each
 * (none with `warmSeconds` 0, for targets just warmed by another series).
 */
export async function interleaved<K extends string>(
  targets: Record<K, (seconds: number) => Promise<HttpLoadResult>>,
  rounds: number,
  seconds: number,
  warmSeconds = 1,
): Promise<Record<K, ReturnType<typeof medianRun>>> {
  const keys = Object.keys(targets) as K[];
  if (warmSeconds > 0) for (const key of keys) await targets[key](warmSeconds);
  const runs = new Map<K, HttpLoadResult[]>(keys.map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) for (const key of keys) runs.get(key)!.push(await targets[key](seconds));
  return Object.fromEntries(keys.map((k) => [k, medianRun(runs.get(k)!)])) as Record<K, ReturnType<typeof medianRun>>;
}

/** The part of autocannon's API used here (it ships no types). */
type Autocannon = (options: Record<string, unknown>) => PromiseLike<{ duration: number; errors: number; timeouts: number; non2xx: number }> & {
  on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};

async function childHttp(o: HttpLoadOptions): Promise<HttpLoadResult> {
  const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
  const samples: number[] = [];
  const instance = autocannon({ url: o.url, headers: o.headers, connections: o.connections, duration: o.seconds, pipelining: 1, timeout: 10 });
  instance.on("response", (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) samples.push(ms);
  });
  const result = await instance;
  const errors = result.errors + result.timeouts + result.non2xx;
  return { rps: Math.round(samples.length / (result.duration || o.seconds)), latency: latency(samples), errors };
}

async function childWs(o: WsPingOptions): Promise<Latency> {
  const { default: WebSocket } = await import("ws");
  const ws = new WebSocket(o.url, o.protocols, { perMessageDeflate: false });
  ws.on("error", (error) => {
    throw error;
  });
  // The server greets with `hello` first; wait for it so the first ping times only itself.
  await new Promise((resolve) => ws.once("message", resolve));
  const samples: number[] = [];
  const ping = JSON.stringify({ type: "ping" });
  for (let i = 0; i < o.pings; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      ws.once("message", () => resolve());
      ws.send(ping);
    });
    samples.push(performance.now() - started);
  }
  ws.close();
  return latency(samples);
}

if (process.argv[1] === SELF) {
  const options = JSON.parse(process.argv[2]!) as ChildOptions;
  const result = options.kind === "http" ? await childHttp(options) : await childWs(options);
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}
