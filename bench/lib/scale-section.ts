/**
 * The `scale` bench's report section (bench/scale.ts): each measured input of the capacity model as
 * a figure, then the model's table for the target derived from them, and the connections charts.
 * Separate from the measuring so the wording of the model sits in one place.
 */
import type { CapacityAssumptions, CapacityPlan, CapacityTarget, MeasuredCosts } from "./capacity-model.ts";
import type { PgDelta } from "./pg-counters.ts";
import type { RedisDelta } from "./private-redis.ts";
import { figure, type BarChart, type Section } from "./report.ts";

/**
 * Costs of one quiet-room run: Redis and PostgreSQL around the whole run, for the `messages` the
 * room stored; worker CPU inside the measured window, for the `sent` messages sent in it.
 */
export interface QuietRun {
  messages: number;
  sent: number;
  /** Worker and Redis CPU less the idle rate measured just before (also kept, in cores). */
  workerCpuSeconds: number;
  idleWorkerCores: number;
  idleRedisCores: number;
  redis: RedisDelta;
  pg: PgDelta;
}

/** One point of the connections charts: a worker holding `connections` sockets. */
export interface ConnectionPoint {
  connections: number;
  /** Worker RSS and JS heap (after full GCs) with them open, bytes. */
  rssTotal: number;
  heapTotal: number;
  /** Connections opened for this point (the idle ones added and the busy room), and how long that took. */
  opened: number;
  openMs: number;
  /** Redis work per connection opened (authenticated and subscribed). */
  redisPerConnect: RedisDelta;
  /** The busy room's capacity meanwhile, and the worker's and load generator's cores. */
  deliveredPerSecond: number;
  workerCpu: number;
  clientCpu: number;
  lost: number;
}

export interface ScaleRuns {
  sizes: number[];
  busyRoom: number;
  quietRoom: number;
  quietRooms: number;
  /** The machine's 1-minute load average when the run started and ended. */
  loadAverage: [number, number];
  timing: { warmupMs: number; durationMs: number };
  /** The open-file limit, when it capped the largest size. */
  cappedBy?: number;
  baseRss: number;
  baseHeap: number;
  oneWorker: QuietRun;
  twoWorkers: QuietRun;
  points: ConnectionPoint[];
  target: CapacityTarget;
  assumptions: CapacityAssumptions;
  costs: MeasuredCosts;
  plan: CapacityPlan;
}

/** Centrifugo's published 1M-connection run: 20 server pods, 5 Redis instances, 40 CPUs (docs/scaling.md). */
const CENTRIFUGO = { pods: 20, redis: 5, cpus: 40 };

const MiB = 2 ** 20;
const us = (seconds: number) => seconds * 1e6;
const fixed = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "–");
const thousands = (x: number) => Math.round(x).toLocaleString("en-US");

/** Calls per message by command, largest first: `evalsha 2.00, publish 1.00`. */
const perMessage = (run: QuietRun) =>
  Object.entries(run.redis.calls)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${fixed(n / run.messages, 2)}`)
    .join(", ");

export function scaleSection(r: ScaleRuns): Section {
  const { plan, costs, target, assumptions: assume } = r;
  const largest = r.points.at(-1)!;
  const perConnection = (p: ConnectionPoint) => ({ rss: (p.rssTotal - r.baseRss) / p.connections, heap: (p.heapTotal - r.baseHeap) / p.connections });
  const both = r.oneWorker.messages + r.twoWorkers.messages;
  const pg = (key: keyof Pick<PgDelta, "commits" | "inserted" | "updated" | "backendCpuSeconds" | "walBytesOurs" | "walBytesAll">) =>
    (r.oneWorker.pg[key] + r.twoWorkers.pg[key]) / both;
  const redis2 = (key: "commands" | "bytes" | "cpuSeconds") => r.twoWorkers.redis[key] / r.twoWorkers.messages;
  const redis1 = (key: "commands" | "bytes" | "cpuSeconds") => r.oneWorker.redis[key] / r.oneWorker.messages;
  const load = (name: string) => plan.loads.find((l) => l.resource === name)!;
  const pct = (name: string) => `${name} ${fixed(load(name).utilization * 100, 0)} %`;
  const one = { baselineLabel: "1 worker" };

  const inputs = [
    figure({
      id: "scale.rss",
      label: `worker RSS per idle connection (${largest.connections} connections)`,
      unit: "bytes",
      better: "lower",
      ours: perConnection(largest).rss,
      baseline: null,
      note: `JS heap ${thousands(perConnection(largest).heap)} bytes of it; the worker's RSS with no connection ${fixed(r.baseRss / MiB)} MiB; ${largest.opened} of them opened in ${largest.openMs} ms`,
    }),
    figure({
      id: "scale.deliveries-per-core.quiet",
      label: `deliveries per worker CPU-second, quiet rooms of ${r.quietRoom}`,
      unit: "deliveries/s",
      better: "higher",
      ours: r.quietRoom / costs.workerCpuPerMessage,
      baseline: null,
      note: `${fixed(us(costs.workerCpuPerMessage))} µs of worker CPU per message stored and fanned out, one at a time on one worker; each further worker holding members of the room adds ${fixed(us(costs.workerCpuPerExtraWorker))} µs (2 workers: ${fixed(us(r.twoWorkers.workerCpuSeconds / r.twoWorkers.sent))} µs); ${r.oneWorker.sent} and ${r.twoWorkers.sent} messages in the measured windows`,
    }),
    figure({
      id: "scale.deliveries-per-core.busy",
      label: `deliveries per worker CPU-second, busy room of ${r.busyRoom} (${largest.connections} connections held)`,
      unit: "deliveries/s",
      better: "higher",
      ours: largest.deliveredPerSecond / largest.workerCpu,
      baseline: null,
      note: `${thousands(largest.deliveredPerSecond)} deliveries/s on ${fixed(largest.workerCpu, 2)} worker cores, load generator ${fixed(largest.clientCpu, 2)} cores${largest.clientCpu > 0.9 ? " (CLIENT-BOUND)" : ""}${largest.lost ? `; ${largest.lost} receipts LOST` : ""}`,
    }),
    figure({
      ...one,
      id: "scale.redis.commands",
      label: "Redis commands per message, room on 2 workers",
      unit: "commands",
      better: "lower",
      ours: redis2("commands"),
      baseline: redis1("commands"),
      note: `2 workers: ${perMessage(r.twoWorkers)}; 1 worker: ${perMessage(r.oneWorker)} (commands run inside Lua scripts count too)`,
    }),
    figure({
      ...one,
      id: "scale.redis.bytes",
      label: "Redis bytes in + out per message, room on 2 workers",
      unit: "bytes",
      better: "lower",
      ours: redis2("bytes"),
      baseline: redis1("bytes"),
    }),
    figure({
      ...one,
      id: "scale.redis.cpu",
      label: "Redis CPU per message, room on 2 workers",
      unit: "µs",
      better: "lower",
      ours: us(redis2("cpuSeconds")),
      baseline: us(redis1("cpuSeconds")),
    }),
    figure({
      id: "scale.redis.connect",
      label: "Redis commands per connection opened",
      unit: "commands",
      better: "lower",
      ours: largest.redisPerConnect.commands,
      baseline: null,
      note: `${fixed(largest.redisPerConnect.bytes, 0)} bytes and ${fixed(us(largest.redisPerConnect.cpuSeconds))} µs of Redis CPU each; ${Object.keys(largest.redisPerConnect.calls).join(", ")}`,
    }),
    figure({
      id: "scale.pg.commits",
      label: "PostgreSQL transactions per message (reads included)",
      unit: "commits",
      better: "lower",
      ours: pg("commits"),
      baseline: null,
      note: `${fixed(pg("inserted"), 2)} rows inserted and ${fixed(pg("updated"), 2)} updated per message (pg_stat_database of the bench's own database)`,
    }),
    figure({
      id: "scale.pg.wal",
      label: "PostgreSQL WAL per message",
      unit: "bytes",
      better: "lower",
      ours: pg("walBytesOurs"),
      baseline: null,
      note: `records touching the bench's database and their commits (pg_walinspect); all databases wrote ${thousands(pg("walBytesAll"))} bytes per message in the same windows`,
    }),
    figure({ id: "scale.pg.cpu", label: "PostgreSQL backend CPU per message", unit: "µs", better: "lower", ours: us(pg("backendCpuSeconds")), baseline: null }),
  ];

  const model = [
    figure({
      id: "model.workers",
      label: "model: workers (one core each)",
      unit: "processes",
      better: "lower",
      ours: plan.workers,
      baseline: CENTRIFUGO.pods,
      baselineLabel: "Centrifugo pods",
      note: `memory needs ${plan.workersForMemory} (${thousands(plan.connectionsPerWorker)} connections each in ${fixed((assume.workerMemoryBytes * assume.utilization) / MiB, 0)} MiB), CPU needs ${plan.workersForCpu}; a room of ${target.fanout} spans ${fixed(plan.workersPerRoom, 2)} workers`,
    }),
    figure({
      id: "model.redis",
      label: "model: Redis shards (one core each, sharded pub/sub)",
      unit: "shards",
      better: "lower",
      ours: plan.redisShards,
      baseline: CENTRIFUGO.redis,
      baselineLabel: "Centrifugo Redis",
      note: `${thousands(plan.redisOpsPerSecond)} commands/s, ${fixed(load("Redis network").demand / MiB)} MiB/s, ${fixed(load("Redis CPU").demand, 2)} cores in all`,
    }),
    figure({
      id: "model.pg",
      label: `model: PostgreSQL nodes (${assume.pgCoresPerNode} cores each)`,
      unit: "nodes",
      better: "lower",
      ours: plan.pgNodes,
      baseline: null,
      note: `${thousands(plan.messagesPerSecond)} messages/s stored: ${thousands(plan.pgCommitsPerSecond)} commits/s, ${fixed(load("PostgreSQL WAL").demand / MiB)} MiB/s of WAL, ${fixed(load("PostgreSQL CPU").demand, 1)} backend cores`,
    }),
    figure({
      id: "model.cores",
      label: "model: cores in all",
      unit: "cores",
      better: "lower",
      ours: plan.cores,
      baseline: CENTRIFUGO.cpus,
      baselineLabel: "Centrifugo CPUs",
      note: "Centrifugo's run stores nothing; Parley's count includes the PostgreSQL nodes",
    }),
    figure({
      id: "model.saturates",
      label: `model: first to saturate: ${plan.saturatesFirst.resource}`,
      unit: "% of its ceiling",
      better: "lower",
      ours: plan.saturatesFirst.utilization * 100,
      baseline: null,
      note: plan.loads.map((l) => pct(l.resource)).join(", "),
    }),
  ];

  return {
    id: "scale",
    title: "Capacity model: measured inputs and the derived deployment",
    method: scaleMethod(r),
    figures: [...inputs, ...model],
    charts: [deliveryChart(r), memoryChart(r)],
    details: { ...r, perConnection: r.points.map(perConnection) },
  };
}

function scaleMethod(r: ScaleRuns): string {
  const { target: t, assumptions: a } = r;
  return (
    `Inputs of docs/scaling.md's model. Quiet rooms of ${r.quietRoom} (every member online), ${r.quietRooms} at once: in each one socket sends one message at a time (nothing to batch), first with the rooms on one worker, then split over two; ` +
    `worker CPU from /proc inside the measured window, Redis from INFO commandstats, stats and cpu deltas on a private redis-server started for the run, PostgreSQL from pg_stat_database and its backends' /proc CPU for the bench's own database, WAL read back with pg_walinspect, per message stored; worker and Redis CPU less their idle rate measured for as long just before. ` +
    `Connections: one worker (PostgreSQL + the private Redis) holds ${r.sizes.join(", ")} sockets (idle ones each their own user in rooms of 50, plus a busy room of ${r.busyRoom}); RSS and JS heap after full GCs, then the busy room at capacity (${r.timing.durationMs / 1000} s, closed loops as in fan-out)` +
    `${r.cappedBy ? `; the largest size is capped by the open-file limit (ulimit -n ${r.cappedBy}), which holds every socket on both ends` : ""}. ` +
    `Model (bench/lib/capacity-model.ts), re-derived from this run: ${t.connections.toLocaleString("en-US")} connections, ${t.deliveriesPerSecond.toLocaleString("en-US")} deliveries/s in rooms of ${t.fanout}; ` +
    `workers of one core and ${a.workerMemoryBytes / 2 ** 30} GiB, Redis shards of one core and ${a.redisNetworkBytesPerSecond / 1e9} GB/s, PostgreSQL nodes of ${a.pgCoresPerNode} cores and ${a.pgWalBytesPerSecond / 1e6} MB/s of WAL, each run to ${a.utilization * 100} %. ` +
    `Load average ${fixed(r.loadAverage[0])} at the start and ${fixed(r.loadAverage[1])} at the end of the run: other work on the machine slows rates, not CPU per unit as much.`
  );
}

const label = (n: number) => (n >= 1000 ? `${Math.round(n / 100) / 10}k connections` : `${n} connections`);

function deliveryChart(r: ScaleRuns): BarChart {
  return {
    title: `One worker: busy room of ${r.busyRoom} at capacity while holding N connections`,
    unit: "deliveries/s",
    labels: r.points.map((p) => label(p.connections)),
    series: [
      { name: "deliveries per second", values: r.points.map((p) => Math.round(p.deliveredPerSecond)) },
      { name: "deliveries per worker CPU-second", values: r.points.map((p) => Math.round(p.deliveredPerSecond / p.workerCpu)) },
    ],
  };
}

function memoryChart(r: ScaleRuns): BarChart {
  return {
    title: "One worker: memory after full GCs while holding N connections",
    unit: "MiB",
    labels: r.points.map((p) => label(p.connections)),
    series: [
      { name: "RSS", values: r.points.map((p) => Math.round((p.rssTotal / MiB) * 10) / 10) },
      { name: "JS heap", values: r.points.map((p) => Math.round((p.heapTotal / MiB) * 10) / 10) },
    ],
  };
}
