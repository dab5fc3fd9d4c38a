/**
 * Fan-out across workers: a room whose subscribers are split over two workers joined by Redis
 * (senders on the first), against the same room on one worker, measured as bench/fanout.ts does.
 */
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret } from "../test/support/services.ts";
import { startWorkerProcess } from "../test/support/worker-process.ts";
import { MAX_USERS, SENDERS, WINDOW, cpuNote, measureRoom, parleyEnv, roomTargets, seedRooms, startAll, teardown, type RoomRun } from "./fanout.ts";
import { figure, type Bench, type Figure } from "./lib/report.ts";
import { SocketFleet } from "./lib/sockets.ts";

export const run: Bench = async (options) => {
  const sizes = options.quick ? [100] : [100, 1000];
  const timing = options.quick ? { warmupMs: 300, durationMs: 1000 } : { warmupMs: 1000, durationMs: 5000 };
  const database = await createTestDatabase();
  const prefix = testRedisPrefix();
  const secret = testSecret();
  const cleanup: Array<() => unknown> = [() => database.drop(), () => deleteRedisKeys(prefix)];
  try {
    const env = parleyEnv(database.url, prefix, secret, { CPUS: options.serverCpus });
    const [a, b] = await startAll(cleanup, [
      startWorkerProcess({ ...env, WORKER_ID: "bench-a" }),
      startWorkerProcess({ ...env, WORKER_ID: "bench-b" }),
    ] as const);
    const fleet = SocketFleet.start(options.clientCpus);
    cleanup.unshift(() => fleet.stop());
    // One room per run, so the two runs of a size do not share a channel or a seq.
    const rooms = await seedRooms(
      database.url,
      secret,
      sizes.flatMap((n) => [Math.min(n, MAX_USERS), Math.min(n, MAX_USERS)]),
    );
    const pids = [a.child.pid!, b.child.pid!];

    const results: Array<{ size: number; two: RoomRun; one: RoomRun }> = [];
    for (const [i, size] of sizes.entries()) {
      // The one-worker run sets the offered rate of both latency phases: half its capacity.
      const one = await measureRoom(
        fleet,
        roomTargets(rooms[2 * i]!, size, () => a.url),
        pids,
        timing,
        (c) => c.messagesPerSecond / 2,
      );
      // Sockets 0 … n/2-1 (the senders among them) on a, the rest on b.
      const two = await measureRoom(
        fleet,
        roomTargets(rooms[2 * i + 1]!, size, (s) => (s < size / 2 ? a.url : b.url)),
        pids,
        timing,
        () => one.offeredRate,
      );
      results.push({ size, two, one });
    }
    return {
      id: "cross",
      title: "Fan-out across two workers",
      method:
        `Two workers on PostgreSQL + Redis, both pinned to the server CPUs (the same CPU budget as one), a room's sockets split half and half, the ${SENDERS} senders on the first worker; ` +
        `the second gets each message over Redis pub/sub. Baseline: the same room size with every socket on the first worker. ` +
        `Delivered/s: ${SENDERS} closed loops of ${WINDOW} messages in flight (a message leaves the window once every subscriber has it), ${timing.durationMs / 1000} s after a warm-up; ` +
        `p50/p99: send → each receipt (on both workers) in an open loop at half the one-worker capacity, the same rate for both. As in fan-out, rooms over ${MAX_USERS} sockets are ${MAX_USERS} users with several sockets each.`,
      figures: results.flatMap(crossFigures),
      details: { timing, senders: SENDERS, window: WINDOW, results },
    };
  } finally {
    await teardown(cleanup);
  }
};

function crossFigures(r: { size: number; two: RoomRun; one: RoomRun }): Figure[] {
  const common = { baselineLabel: "1 worker" };
  return [
    figure({
      ...common,
      id: `cross.${r.size}.rate`,
      label: `room of ${r.size} on 2 workers: delivered`,
      unit: "msg/s",
      better: "higher",
      ours: r.two.capacity.deliveredPerSecond,
      baseline: r.one.capacity.deliveredPerSecond,
      note: cpuNote([
        ["2 workers", r.two],
        ["1 worker", r.one],
      ]),
    }),
    figure({
      ...common,
      id: `cross.${r.size}.p50`,
      label: `room of ${r.size} on 2 workers: send→receive p50`,
      unit: "ms",
      better: "lower",
      ours: r.two.latency.latency.p50,
      baseline: r.one.latency.latency.p50,
      note: `open loop at ${r.one.offeredRate} messages/s for both`,
    }),
    figure({
      ...common,
      id: `cross.${r.size}.p99`,
      label: `room of ${r.size} on 2 workers: send→receive p99`,
      unit: "ms",
      better: "lower",
      ours: r.two.latency.latency.p99,
      baseline: r.one.latency.latency.p99,
    }),
  ];
}
