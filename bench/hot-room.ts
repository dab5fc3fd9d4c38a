/**
 * Hot rooms: messages/s stored into one room, and into 64 quiet rooms, by 1, 2 and 4 worker
 * processes sharing PostgreSQL and Redis, each as a ratio to 1 worker in the same run. The same
 * sockets send in every run, spread evenly over the workers (users hashed to workers, as the
 * balancer does); with write routing on (the default) a room's sends are stored by the worker that
 * owns the room, with it off (the code before routing) by the worker each send arrives at.
 */
import WebSocket from "ws";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret } from "../test/support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../test/support/worker-process.ts";
import { parleyEnv, seedRooms, startAll, teardown } from "./fanout.ts";
import { pinSelf } from "./lib/cpus.ts";
import { figure, latency, type Bench, type Figure, type Latency } from "./lib/report.ts";
import { ackedSends } from "./lib/acked-sends.ts";

/** Sending sockets (one user each), each with WINDOW sends in flight; not subscribed, so this measures storing, not fan-out. */
const SENDERS = 64;
const WINDOW = 16;
const QUIET_ROOMS = 64;
const BODY = "hot room bench: an ordinary chat message of about sixty chars";

type Layout = "hot" | "quiet";
interface RunResult {
  workers: number;
  routing: boolean;
  layout: Layout;
  stored: number;
  perSecond: number;
  ack: Latency;
}

/** Each socket keeps WINDOW sends in flight for `ms`; counts the acks that arrive in time. */
const sendPhase = (sockets: Array<{ ws: WebSocket; roomId: string }>, ms: number, tag: string) => ackedSends(sockets, { ms, tag, window: WINDOW, body: BODY });

/** Opens socket i on worker i mod n, waiting for each one's hello. */
function openSockets(workers: WorkerProcess[], targets: Array<{ token: string; roomId: string }>) {
  return Promise.all(
    targets.map(
      (t, i) =>
        new Promise<{ ws: WebSocket; roomId: string }>((resolve, reject) => {
          const ws = new WebSocket(`${workers[i % workers.length]!.url.replace(/^http/, "ws")}/ws`, ["parley.v2", `bearer.${t.token}`]);
          ws.once("error", reject);
          ws.once("message", () => resolve({ ws, roomId: t.roomId }));
        }),
    ),
  );
}

export const run: Bench = async ({ quick, serverCpus, clientCpus }) => {
  pinSelf(clientCpus);
  const timing = quick ? { warmupMs: 500, durationMs: 2000 } : { warmupMs: 1500, durationMs: 6000 };
  const database = await createTestDatabase();
  const prefix = testRedisPrefix();
  const secret = testSecret();
  const cleanup: Array<() => unknown> = [() => database.drop(), () => deleteRedisKeys(prefix)];
  const results: RunResult[] = [];
  try {
    const env = parleyEnv(database.url, prefix, secret, { CPUS: serverCpus });
    // Migrates the database before the seeding; stopped at once.
    await (await startWorkerProcess({ ...env, WORKER_ID: "hot-migrate" })).stop();
    const [hot] = await seedRooms(database.url, secret, [SENDERS]);
    const quiet = await seedRooms(
      database.url,
      secret,
      Array.from({ length: QUIET_ROOMS }, () => SENDERS / QUIET_ROOMS),
    );
    const targets: Record<Layout, Array<{ token: string; roomId: string }>> = {
      hot: hot!.tokens.map((token) => ({ token, roomId: hot!.roomId })),
      quiet: quiet.flatMap((room) => room.tokens.map((token) => ({ token, roomId: room.roomId }))),
    };
    const configs: Array<{ workers: number; routing: boolean }> = [
      { workers: 1, routing: true },
      { workers: 2, routing: true },
      { workers: 4, routing: true },
      { workers: 4, routing: false },
    ];
    let runNo = 0;
    for (const config of configs) {
      const steps: Array<() => unknown> = [];
      try {
        // Fresh workers per configuration, so the directory lists exactly these; one at a time, as
        // four starting together on one busy core may miss the start deadline.
        const workers: WorkerProcess[] = [];
        for (let i = 0; i < config.workers; i++) {
          const [worker] = await startAll(steps, [
            startWorkerProcess({ ...env, WORKER_ID: `hot-${runNo}-${i}`, WRITE_ROUTING: config.routing ? "on" : "off" }),
          ] as const);
          workers.push(worker);
        }
        // Two heartbeats: every worker lists every other before the load starts.
        await new Promise((r) => setTimeout(r, 2500));
        for (const layout of ["hot", "quiet"] as const) {
          const sockets = await openSockets(workers, targets[layout]);
          try {
            await sendPhase(sockets, timing.warmupMs, `w${runNo}${layout}`);
            const { stored, acks } = await sendPhase(sockets, timing.durationMs, `r${runNo}${layout}`);
            results.push({ ...config, layout, stored, perSecond: stored / (timing.durationMs / 1000), ack: latency(acks) });
            process.stderr.write(
              `${layout} room(s), ${config.workers} worker(s), routing ${config.routing ? "on" : "off"}: ${Math.round(stored / (timing.durationMs / 1000))} msg/s\n`,
            );
          } finally {
            for (const { ws } of sockets) ws.terminate();
          }
        }
      } finally {
        await teardown(steps);
        runNo++;
      }
    }
    return {
      id: "hotroom",
      title: "Hot rooms across workers",
      method:
        `1, 2 and 4 worker processes on PostgreSQL + Redis, all pinned to the server CPUs (the same CPU budget for each count); ${SENDERS} sockets, one user each, spread evenly over the workers, ` +
        `each keeping ${WINDOW} sends in flight (closed loop, counted when acked) for ${timing.durationMs / 1000} s after a ${timing.warmupMs / 1000} s warm-up; not subscribed, so this measures storing. ` +
        `"Hot": every socket sends into one room; "quiet": ${QUIET_ROOMS} rooms, ${SENDERS / QUIET_ROOMS} socket each. Baseline: 1 worker, same layout, same run. ` +
        `Write routing on stores a room's sends on its owner worker (docs/cluster.md); "routing off" is the code before it, each worker storing what arrives at it.`,
      figures: results
        .filter((r) => r.workers > 1)
        .map((r) =>
          hotFigure(
            r,
            results.find((b) => b.workers === 1 && b.layout === r.layout)!,
          ),
        ),
      details: { timing, senders: SENDERS, window: WINDOW, quietRooms: QUIET_ROOMS, results },
    };
  } finally {
    await teardown(cleanup);
  }
};

function hotFigure(r: RunResult, one: RunResult): Figure {
  const where = r.layout === "hot" ? "one hot room" : `${QUIET_ROOMS} quiet rooms`;
  return figure({
    id: `hotroom.${r.layout}.${r.workers}${r.routing ? "" : ".unrouted"}`,
    label: `${where}, ${r.workers} workers${r.routing ? "" : " (routing off)"}: stored`,
    unit: "msg/s",
    better: "higher",
    ours: r.perSecond,
    baseline: one.perSecond,
    baselineLabel: "1 worker",
    goal: r.layout === "hot" && r.routing && r.workers === 4 ? { ratio: { op: ">=", value: 1 }, text: "4 workers ≥ 1.0× one worker" } : undefined,
    note: `ack p50 ${r.ack.p50} ms, p99 ${r.ack.p99} ms (1 worker: ${one.ack.p50} / ${one.ack.p99} ms)`,
  });
}
