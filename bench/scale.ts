/**
 * The inputs of the capacity model in docs/scaling.md, measured on this machine, and the model
 * derived from them in the same run (bench/lib/capacity-model.ts): memory per idle connection and
 * delivery capacity of one worker at growing connection counts; worker CPU, Redis commands, bytes
 * and CPU, PostgreSQL commits, rows, CPU and WAL per message in quiet rooms of ten, on one worker
 * and split over two. Redis is a private redis-server started for the run, so its counters hold
 * only the bench's traffic.
 */
import { loadavg } from "node:os";
import { createTestDatabase, testRedisPrefix, testSecret } from "../test/support/services.ts";
import { freePort, startWorkerProcess, type WorkerProcess } from "../test/support/worker-process.ts";
import { collectGarbage, cpuSeconds, rssBytes } from "./baselines/server-process.ts";
import { SENDERS, WINDOW, parleyEnv, roomTargets, seedRooms, startAll, teardown } from "./fanout.ts";
import { planCapacity, type CapacityAssumptions, type CapacityTarget, type MeasuredCosts } from "./lib/capacity-model.ts";
import { openPgCounters, PG_STATS_DELAY_MS, type PgCounterReader } from "./lib/pg-counters.ts";
import { redisDelta, startPrivateRedis, type PrivateRedis } from "./lib/private-redis.ts";
import { sleep, type Bench } from "./lib/report.ts";
import { openFileLimit, SocketFleet, type SocketTarget } from "./lib/sockets.ts";
import { scaleSection, type ConnectionPoint, type QuietRun } from "./lib/scale-section.ts";

/** Members of each quiet room: Centrifugo's group channels have 10 subscribers. */
export const QUIET_ROOM = 10;
/** Quiet rooms loaded at once in each quiet run, one load-generator process each. */
const QUIET_ROOMS = 3;
/** Idle connections sit in rooms of this many, each its own user (as in bench/idle-memory.ts). */
const IDLE_ROOM = 50;
/** Descriptors a worker needs besides its client sockets (PostgreSQL, Redis, inspector, listener). */
const SPARE_DESCRIPTORS = 500;

/** The load docs/scaling.md sizes for: Centrifugo's published mark, in rooms of QUIET_ROOM. */
export const TARGET: CapacityTarget = { connections: 1_000_000, deliveriesPerSecond: 500_000, fanout: QUIET_ROOM };

/** Unit sizes the model assumes (docs/scaling.md says why). */
export const ASSUMPTIONS: CapacityAssumptions = {
  workerMemoryBytes: 2 * 2 ** 30,
  redisNetworkBytesPerSecond: 1.25e9,
  pgCoresPerNode: 8,
  pgWalBytesPerSecond: 200e6,
  utilization: 0.7,
};

interface Services {
  redis: PrivateRedis;
  pg: PgCounterReader;
}

/**
 * Sends into each of `rooms` (one fleet each, at the same time) one message at a time from one
 * socket: quiet rooms, nothing to batch. Returns what the workers, Redis and PostgreSQL spent,
 * less what the workers and Redis spend idle (timers, heartbeats) over as long a time, measured first.
 */
async function quietRun(
  fleets: SocketFleet[],
  rooms: SocketTarget[][],
  workers: WorkerProcess[],
  services: Services,
  timing: { warmupMs: number; durationMs: number },
): Promise<QuietRun> {
  await Promise.all(rooms.map((targets, i) => fleets[i]!.open(targets)));
  try {
    const opened = performance.now();
    const workerCpu = () => workers.reduce((sum, w) => sum + cpuSeconds(w.child.pid!), 0);
    await sleep(1000); // the subscribes' presence work settles
    const idle = { cpu: workerCpu(), redis: await services.redis.read(), at: performance.now() };
    await sleep(timing.durationMs);
    const idleSeconds = (performance.now() - idle.at) / 1000;
    const idleWorkerRate = (workerCpu() - idle.cpu) / idleSeconds;
    const idleRedisRate = redisDelta(idle.redis, await services.redis.read()).cpuSeconds / idleSeconds;

    // The statistics of the sockets' subscribe queries must be in before the first reading.
    await sleep(PG_STATS_DELAY_MS - (performance.now() - opened));
    const pgBefore = await services.pg.read();
    const redisBefore = await services.redis.read();
    const started = performance.now();
    // Worker CPU inside the measured window only: the warm-up's first sends still run code V8 has not optimised.
    const window: Array<{ cpu: number; at: number }> = [];
    const loads = await Promise.all(
      rooms.map((targets, i) =>
        fleets[i]!.load({ roomId: targets[0]!.roomId, senders: 1, mode: { kind: "closed", window: 1 }, drainMs: 5000, ...timing }, () =>
          i === 0 ? window.push({ cpu: workerCpu(), at: performance.now() }) : undefined,
        ),
      ),
    );
    const redis = redisDelta(redisBefore, await services.redis.read());
    const runSeconds = (performance.now() - started) / 1000;
    const failed = loads.filter((l) => l.lost || l.errors);
    if (failed.length) throw new Error(`quiet rooms: ${failed.map((l) => `${l.lost} receipts lost, ${l.errors} sends refused`).join("; ")}`);
    const [from, to] = window;
    let messages = 0;
    for (const targets of rooms) messages += await services.pg.messages(targets[0]!.roomId);
    const pgAfter = await services.pg.readAfter(pgBefore, messages);
    return {
      messages,
      sent: loads.reduce((sum, l) => sum + l.sent, 0),
      workerCpuSeconds: to!.cpu - from!.cpu - idleWorkerRate * ((to!.at - from!.at) / 1000),
      idleWorkerCores: idleWorkerRate,
      redis: { ...redis, cpuSeconds: redis.cpuSeconds - idleRedisRate * runSeconds },
      idleRedisCores: idleRedisRate,
      pg: await services.pg.delta(pgBefore, pgAfter),
    };
  } finally {
    await Promise.all(rooms.map((_, i) => fleets[i]!.close()));
  }
}

/**
 * Adds `targets.idle` idle connections to `worker` (in a fleet of their own, so the ones opened for
 * smaller sizes stay open) plus a room of `targets.busy` sockets (in `fleets.load`), reads the
 * worker's memory after full GCs, then loads the busy room to capacity.
 */
async function connectionPoint(
  fleets: { idle: SocketFleet; load: SocketFleet },
  worker: { process: WorkerProcess; inspectorPort: number },
  targets: { alreadyOpen: number; idle: SocketTarget[]; busy: SocketTarget[] },
  redis: PrivateRedis,
  timing: { warmupMs: number; durationMs: number; pauseMs: number },
): Promise<ConnectionPoint> {
  const pid = worker.process.child.pid!;
  const redisBefore = await redis.read();
  const started = performance.now();
  await fleets.idle.open(targets.idle);
  await fleets.load.open(targets.busy);
  const ms = performance.now() - started;
  const redisPerConnect = redisDelta(redisBefore, await redis.read());
  const opened = targets.idle.length + targets.busy.length;
  const connections = targets.alreadyOpen + opened;
  try {
    await sleep(timing.pauseMs);
    const heapTotal = await collectGarbage(worker.inspectorPort);
    await sleep(timing.pauseMs / 4);
    const rssTotal = rssBytes(pid);
    const samples: Array<{ cpu: number; at: number }> = [];
    const result = await fleets.load.load(
      { roomId: targets.busy[0]!.roomId, senders: SENDERS, mode: { kind: "closed", window: WINDOW }, drainMs: 5000, ...timing },
      () => samples.push({ cpu: cpuSeconds(pid), at: performance.now() }),
    );
    const [from, to] = samples;
    const perConnect = (x: number) => x / opened;
    return {
      connections,
      rssTotal,
      heapTotal,
      opened,
      openMs: Math.round(ms),
      redisPerConnect: {
        ...redisPerConnect,
        cpuSeconds: perConnect(redisPerConnect.cpuSeconds),
        commands: perConnect(redisPerConnect.commands),
        bytes: perConnect(redisPerConnect.bytes),
      },
      deliveredPerSecond: result.deliveredPerSecond,
      workerCpu: from && to ? (to.cpu - from.cpu) / ((to.at - from.at) / 1000) : NaN,
      clientCpu: result.clientCpu,
      lost: result.lost,
    };
  } finally {
    await fleets.load.close();
  }
}

export const run: Bench = async (options) => {
  const cap = openFileLimit() - SPARE_DESCRIPTORS;
  const wanted = options.quick ? [200, 1000] : [1000, 5000, 20_000];
  const sizes = wanted.map((n) => Math.min(n, cap));
  const busyRoom = options.quick ? 50 : 100;
  const timing = options.quick ? { warmupMs: 300, durationMs: 1000, pauseMs: 500 } : { warmupMs: 1000, durationMs: 4000, pauseMs: 2000 };
  const quietTiming = options.quick ? { warmupMs: 200, durationMs: 1000 } : { warmupMs: 500, durationMs: 5000 };
  const loadAverage = loadavg()[0]!;
  const database = await createTestDatabase();
  const secret = testSecret();
  const cleanup: Array<() => unknown> = [() => database.drop()];
  try {
    const redis = await startPrivateRedis();
    cleanup.unshift(() => redis.stop());
    const inspectorPort = await freePort();
    const env = parleyEnv(database.url, testRedisPrefix(), secret, {
      REDIS_URL: redis.url,
      CPUS: options.serverCpus,
      // Past the default ceiling of 10,000 sockets a worker refuses upgrades; here the open-file limit decides.
      MAX_CONNECTIONS: "1000000",
    });
    const [a, b] = await startAll(cleanup, [
      startWorkerProcess({ ...env, WORKER_ID: "scale-a", NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}` }),
      startWorkerProcess({ ...env, WORKER_ID: "scale-b" }),
    ] as const);
    const pg = await openPgCounters(database.url);
    cleanup.unshift(() => pg.close());
    const load = SocketFleet.start(options.clientCpus);
    const idleFleets = sizes.map(() => SocketFleet.start(options.clientCpus));
    cleanup.unshift(...[load, ...idleFleets].map((fleet) => () => fleet.stop()));

    const idleCount = sizes.at(-1)! - busyRoom;
    const [busy, ...seeded] = await seedRooms(database.url, secret, [
      busyRoom,
      ...Array.from({ length: 2 * QUIET_ROOMS }, () => QUIET_ROOM),
      ...Array.from({ length: Math.ceil(idleCount / IDLE_ROOM) }, () => IDLE_ROOM),
    ]);
    const [quietOne, quietTwo, idleRooms] = [seeded.slice(0, QUIET_ROOMS), seeded.slice(QUIET_ROOMS, 2 * QUIET_ROOMS), seeded.slice(2 * QUIET_ROOMS)];
    const idleTargets = idleRooms.flatMap((room) => room.tokens.map((token) => ({ url: a.url, token, roomId: room.roomId })));

    // Lazily loaded code first, then the worker's memory with no client connection.
    await load.open(idleTargets.slice(0, 50));
    await load.close();
    await sleep(timing.pauseMs);
    const baseHeap = await collectGarbage(inspectorPort);
    await sleep(timing.pauseMs / 4);
    const baseRss = rssBytes(a.child.pid!);

    // Each size adds idle sockets to those of the size before; the busy room's sockets are opened anew each time.
    const points: ConnectionPoint[] = [];
    for (const [i, n] of sizes.entries()) {
      process.stderr.write(`scale: ${n} connections (${new Date().toISOString().slice(11, 19)})\n`);
      const alreadyOpen = i === 0 ? 0 : sizes[i - 1]! - busyRoom;
      const point = await connectionPoint(
        { idle: idleFleets[i]!, load },
        { process: a, inspectorPort },
        { alreadyOpen, idle: idleTargets.slice(alreadyOpen, n - busyRoom), busy: roomTargets(busy!, busyRoom, () => a.url) },
        redis,
        timing,
      );
      points.push(point);
    }
    for (const fleet of idleFleets) await fleet.close();

    process.stderr.write(`scale: quiet rooms (${new Date().toISOString().slice(11, 19)})\n`);
    // Quiet rooms last, on a worker whose send path the busy room has warmed.
    const services = { redis, pg };
    const quietFleets = [load, ...idleFleets];
    const oneWorker = await quietRun(
      quietFleets,
      quietOne.map((room) => roomTargets(room, QUIET_ROOM, () => a.url)),
      [a, b],
      services,
      quietTiming,
    );
    const twoWorkers = await quietRun(
      quietFleets,
      quietTwo.map((room) => roomTargets(room, QUIET_ROOM, (i) => (i < QUIET_ROOM / 2 ? a.url : b.url))),
      [a, b],
      services,
      quietTiming,
    );

    const costs = measuredCosts(baseRss, points.at(-1)!, oneWorker, twoWorkers);
    const plan = planCapacity(costs, TARGET, ASSUMPTIONS);
    return scaleSection({
      sizes: points.map((p) => p.connections),
      busyRoom,
      quietRoom: QUIET_ROOM,
      quietRooms: QUIET_ROOMS,
      loadAverage: [loadAverage, loadavg()[0]!],
      timing,
      cappedBy: wanted.some((n) => n > cap) ? cap + SPARE_DESCRIPTORS : undefined,
      baseRss,
      baseHeap,
      oneWorker,
      twoWorkers,
      points,
      target: TARGET,
      assumptions: ASSUMPTIONS,
      costs,
      plan,
    });
  } finally {
    await teardown(cleanup);
  }
};

/**
 * The model's inputs from the runs: one worker gives the costs with one subscribed worker, two
 * workers one more; the difference is the cost of each further worker holding members of a room.
 */
export function measuredCosts(baseRss: number, largest: ConnectionPoint, one: QuietRun, two: QuietRun): MeasuredCosts {
  const per = (run: QuietRun) => ({
    workerCpu: run.workerCpuSeconds / run.sent,
    redisCpu: run.redis.cpuSeconds / run.messages,
    redisOps: run.redis.commands / run.messages,
    redisBytes: run.redis.bytes / run.messages,
  });
  const [p1, p2] = [per(one), per(two)];
  // A second worker cannot make a message cheaper; a negative difference is noise, counted as none.
  const split = (x1: number, x2: number) => {
    const perSubscriber = Math.max(0, x2 - x1);
    return { base: x1 - perSubscriber, perSubscriber };
  };
  return {
    fanout: QUIET_ROOM,
    workerBaseRss: baseRss,
    rssPerConnection: (largest.rssTotal - baseRss) / largest.connections,
    workerCpuPerMessage: p1.workerCpu,
    workerCpuPerExtraWorker: Math.max(0, p2.workerCpu - p1.workerCpu),
    redisCpuPerMessage: split(p1.redisCpu, p2.redisCpu),
    redisOpsPerMessage: split(p1.redisOps, p2.redisOps),
    redisBytesPerMessage: split(p1.redisBytes, p2.redisBytes),
    pgCpuPerMessage: (one.pg.backendCpuSeconds + two.pg.backendCpuSeconds) / (one.messages + two.messages),
    pgCommitsPerMessage: (one.pg.commits + two.pg.commits) / (one.messages + two.messages),
    walBytesPerMessage: (one.pg.walBytesOurs + two.pg.walBytesOurs) / (one.messages + two.messages),
  };
}
