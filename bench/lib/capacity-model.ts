/**
 * The capacity model of docs/scaling.md as a pure function: from per-unit costs measured on one
 * machine (bench/scale.ts) to how many workers, Redis shards and PostgreSQL nodes a target load
 * needs, and which of them runs closest to its ceiling. Kept free of I/O so a unit test can check
 * the arithmetic and every bench run re-derives the table from that run's own figures.
 */

/** A cost that grows with the number of workers subscribed to a room's channel: `base + perSubscriber × k`. */
export interface PerSubscriber {
  base: number;
  perSubscriber: number;
}

/** What bench/scale.ts measures, all per unit of work. */
export interface MeasuredCosts {
  /** Room size the per-message costs were measured with (every member online). */
  fanout: number;
  /** Worker resident memory with no client connection, and what each idle connection adds (bytes). */
  workerBaseRss: number;
  rssPerConnection: number;
  /** Worker CPU (core-seconds) per message stored and fanned out, every member on that worker. */
  workerCpuPerMessage: number;
  /** Extra worker CPU per message for each further worker that holds members of the room (bus receive). */
  workerCpuPerExtraWorker: number;
  /** Redis CPU seconds, commands and network bytes (in + out) per message, by subscribed workers. */
  redisCpuPerMessage: PerSubscriber;
  redisOpsPerMessage: PerSubscriber;
  redisBytesPerMessage: PerSubscriber;
  /** PostgreSQL backend CPU seconds, commits and WAL bytes per message. */
  pgCpuPerMessage: number;
  pgCommitsPerMessage: number;
  walBytesPerMessage: number;
}

/** The load to serve. */
export interface CapacityTarget {
  connections: number;
  deliveriesPerSecond: number;
  /** Members per room, all online: deliveries per message. */
  fanout: number;
}

/** Sizes of one unit and how hard each may run; these are choices, not measurements. */
export interface CapacityAssumptions {
  /** A worker is one Node process on one core with this much memory. */
  workerMemoryBytes: number;
  /** A Redis shard executes commands on one core; its network link carries this many bytes/s. */
  redisNetworkBytesPerSecond: number;
  /** Cores and WAL write bandwidth of one PostgreSQL node (bytes/s). */
  pgCoresPerNode: number;
  pgWalBytesPerSecond: number;
  /** Fraction of each ceiling a sized deployment may use (headroom for bursts, failover, GC). */
  utilization: number;
}

/** One resource of the sized deployment: what the target demands and how full the chosen units are. */
export interface ResourceLoad {
  resource: string;
  demand: number;
  unit: string;
  /** demand ÷ (units × capacity per unit). */
  utilization: number;
}

export interface CapacityPlan {
  messagesPerSecond: number;
  /** Informational: Redis commands and PostgreSQL commits per second at the target. */
  redisOpsPerSecond: number;
  pgCommitsPerSecond: number;
  workers: number;
  workersForMemory: number;
  workersForCpu: number;
  connectionsPerWorker: number;
  /** Expected workers holding members of one room, with members hashed to workers at random. */
  workersPerRoom: number;
  redisShards: number;
  pgNodes: number;
  /** Cores of the whole deployment: a core per worker and per shard, pgCoresPerNode per node. */
  cores: number;
  loads: ResourceLoad[];
  /** The resource with the highest utilization: the first to saturate as load grows. */
  saturatesFirst: ResourceLoad;
}

/** Expected distinct workers among `fanout` members each on one of `workers` workers at random. */
export function workersPerRoom(workers: number, fanout: number): number {
  return workers * (1 - (1 - 1 / workers) ** fanout);
}

const at = (cost: PerSubscriber, k: number) => cost.base + cost.perSubscriber * k;

/** Sizes a deployment for `target` from `costs`; see docs/scaling.md for the method. */
export function planCapacity(costs: MeasuredCosts, target: CapacityTarget, assume: CapacityAssumptions): CapacityPlan {
  if (target.fanout !== costs.fanout) throw new Error(`costs were measured in rooms of ${costs.fanout}, the target has rooms of ${target.fanout}`);
  const u = assume.utilization;
  const messagesPerSecond = target.deliveriesPerSecond / target.fanout;
  const connectionsPerWorker = Math.floor((assume.workerMemoryBytes * u - costs.workerBaseRss) / costs.rssPerConnection);
  if (connectionsPerWorker < 1) throw new Error("a worker's memory budget does not hold one connection");
  const workersForMemory = Math.ceil(target.connections / connectionsPerWorker);
  const workerCpu = (w: number) => messagesPerSecond * (costs.workerCpuPerMessage + (workersPerRoom(w, target.fanout) - 1) * costs.workerCpuPerExtraWorker);
  // More workers spread a room over more of them, so each message costs more bus receives: iterate to the fixed point.
  let workersForCpu = 1;
  for (let i = 0; i < 100; i++) {
    const next = Math.max(1, Math.ceil(workerCpu(workersForCpu) / u));
    if (next === workersForCpu) break;
    workersForCpu = next;
  }
  const workers = Math.max(workersForMemory, workersForCpu);
  const k = workersPerRoom(workers, target.fanout);

  const redisCpu = messagesPerSecond * at(costs.redisCpuPerMessage, k);
  const redisBytes = messagesPerSecond * at(costs.redisBytesPerMessage, k);
  const redisShards = Math.max(1, Math.ceil(redisCpu / u), Math.ceil(redisBytes / (assume.redisNetworkBytesPerSecond * u)));
  const pgCpu = messagesPerSecond * costs.pgCpuPerMessage;
  const wal = messagesPerSecond * costs.walBytesPerMessage;
  const pgNodes = Math.max(1, Math.ceil(pgCpu / (assume.pgCoresPerNode * u)), Math.ceil(wal / (assume.pgWalBytesPerSecond * u)));

  const load = (resource: string, demand: number, capacity: number, unit: string): ResourceLoad => ({ resource, demand, unit, utilization: demand / capacity });
  const loads = [
    load("worker memory", costs.workerBaseRss * workers + costs.rssPerConnection * target.connections, workers * assume.workerMemoryBytes, "bytes"),
    load("worker CPU", workerCpu(workers), workers, "cores"),
    load("Redis CPU", redisCpu, redisShards, "cores"),
    load("Redis network", redisBytes, redisShards * assume.redisNetworkBytesPerSecond, "bytes/s"),
    load("PostgreSQL CPU", pgCpu, pgNodes * assume.pgCoresPerNode, "cores"),
    load("PostgreSQL WAL", wal, pgNodes * assume.pgWalBytesPerSecond, "bytes/s"),
  ];
  const saturatesFirst = loads.reduce((a, b) => (b.utilization > a.utilization ? b : a));
  return {
    messagesPerSecond,
    redisOpsPerSecond: messagesPerSecond * at(costs.redisOpsPerMessage, k),
    pgCommitsPerSecond: messagesPerSecond * costs.pgCommitsPerMessage,
    workers,
    workersForMemory,
    workersForCpu,
    connectionsPerWorker,
    workersPerRoom: k,
    redisShards,
    pgNodes,
    cores: workers + redisShards + pgNodes * assume.pgCoresPerNode,
    loads,
    saturatesFirst,
  };
}
