/**
 * Memory per idle WebSocket: a worker's resident memory before and after N authenticated sockets,
 * each subscribed to a room, against a bare `ws` server (bench/baselines/ws-broadcast.ts) holding
 * the same sockets and subscriptions, and against the same worker upgrading with `@hono/node-ws`
 * (bench/baselines/hono-node-ws-worker.ts) instead of worker/src/node/node-websocket.ts.
 */
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret } from "../test/support/services.ts";
import { freePort, startWorkerProcess } from "../test/support/worker-process.ts";
import { collectGarbage, rssBytes, startBaseline } from "./baselines/server-process.ts";
import { parleyEnv, seedRooms, startAll, teardown } from "./fanout.ts";
import { figure, sleep, type Bench } from "./lib/report.ts";
import { openFileLimit, SocketFleet, type SocketTarget } from "./lib/sockets.ts";

/** Users per room: each socket is its own user, subscribed to one room of this many. */
const ROOM_SIZE = 50;
/** Sockets opened and closed before the first reading, so lazily loaded code is already counted. */
const WARM_UP = 50;

interface Reading {
  rss: number;
  heap: number;
}

/** Opens `targets` and reads the server's memory before and after, each time after full GCs and a pause. */
async function measure(fleet: SocketFleet, pid: number, inspectorPort: number, targets: SocketTarget[], pauseMs: number) {
  const read = async (): Promise<Reading> => {
    await sleep(pauseMs);
    const heap = await collectGarbage(inspectorPort);
    await sleep(pauseMs / 4);
    return { rss: rssBytes(pid), heap };
  };
  await fleet.open(targets.slice(0, WARM_UP));
  await fleet.close();
  const before = await read();
  const { ms } = await fleet.open(targets);
  const after = await read();
  await fleet.close();
  const n = targets.length;
  return { before, after, openMs: Math.round(ms), rssPerSocket: (after.rss - before.rss) / n, heapPerSocket: (after.heap - before.heap) / n };
}

export const run: Bench = async (options) => {
  const sockets = options.quick ? 1000 : 5000;
  const limit = openFileLimit();
  if (limit < sockets + 1000) throw new Error(`ulimit -n is ${limit}: the client and each server need a descriptor per socket; raise it to ${sockets + 1000}`);
  const database = await createTestDatabase();
  // The two workers share the database (the users and their tokens) but not Redis: neither sees the other's presence.
  const [prefix, honoPrefix] = [testRedisPrefix(), testRedisPrefix()];
  const secret = testSecret();
  const cleanup: Array<() => unknown> = [() => database.drop(), () => deleteRedisKeys(prefix), () => deleteRedisKeys(honoPrefix)];
  try {
    // The inspector lets the bench force full GCs in every server (no --expose-gc hook in the worker).
    const [oursInspector, honoInspector, wsInspector] = [await freePort(), await freePort(), await freePort()];
    const inspect = (port: number) => ({ CPUS: options.serverCpus, NODE_OPTIONS: `--inspect=127.0.0.1:${port}` });
    const [worker, hono, baseline] = await startAll(cleanup, [
      startWorkerProcess({ ...parleyEnv(database.url, prefix, secret), ...inspect(oursInspector) }),
      startWorkerProcess({ ...parleyEnv(database.url, honoPrefix, secret), ...inspect(honoInspector) }, "bench/baselines/hono-node-ws-worker.ts"),
      startBaseline("bench/baselines/ws-broadcast.ts", options.serverCpus, { NODE_OPTIONS: `--inspect=127.0.0.1:${wsInspector}` }),
    ] as const);
    const fleet = SocketFleet.start(options.clientCpus);
    cleanup.unshift(() => fleet.stop());

    const rooms = await seedRooms(
      database.url,
      secret,
      Array.from({ length: Math.ceil(sockets / ROOM_SIZE) }, () => ROOM_SIZE),
    );
    const targets = (url: string, token: (room: number, i: number) => string) =>
      rooms.flatMap((room, r) => room.tokens.map((t, i) => ({ url, token: token(r, i), roomId: room.roomId }))).slice(0, sockets);
    const pauseMs = options.quick ? 500 : 2000;
    const token = (r: number, i: number) => rooms[r]!.tokens[i]!;
    const ours = await measure(fleet, worker.child.pid!, oursInspector, targets(worker.url, token), pauseMs);
    const honoNodeWs = await measure(fleet, hono.child.pid!, honoInspector, targets(hono.url, token), pauseMs);
    const ws = await measure(
      fleet,
      baseline.pid,
      wsInspector,
      targets(baseline.url, (r, i) => `u${r}_${i}`),
      pauseMs,
    );
    return {
      id: "idle",
      title: "Memory per idle WebSocket",
      method:
        `${sockets} sockets, each its own user authenticated with a token and subscribed to one room of ${ROOM_SIZE} (as an idle client in a room is), opened from one pinned client process; ` +
        `Parley is one worker on PostgreSQL + Redis; the baselines are a bare \`ws\` server holding the same sockets and room sets, and the same worker upgrading with \`@hono/node-ws\` instead of its own node-websocket.ts. Server RSS (/proc VmRSS) before and after, each time ` +
        `after two full GCs forced through the V8 inspector and a pause; ${WARM_UP} sockets are opened and closed first so lazily loaded code is not counted. Per socket = (after − before) ÷ ${sockets}.`,
      figures: [
        figure({
          id: "idle.rss",
          label: `RSS per idle socket (${sockets} sockets)`,
          unit: "bytes",
          better: "lower",
          ours: ours.rssPerSocket,
          baseline: ws.rssPerSocket,
          baselineLabel: "ws",
          goal: { ratio: { op: "<=", value: 2 }, text: "≤ 2× ws" },
        }),
        figure({
          id: "idle.heap",
          label: `JS heap per idle socket (${sockets} sockets)`,
          unit: "bytes",
          better: "lower",
          ours: ours.heapPerSocket,
          baseline: ws.heapPerSocket,
          baselineLabel: "ws",
          note: "informational: the part of RSS that V8's heap holds",
        }),
        figure({
          id: "idle.rss.hono-node-ws",
          label: `RSS per idle socket vs @hono/node-ws (${sockets} sockets)`,
          unit: "bytes",
          better: "lower",
          ours: ours.rssPerSocket,
          baseline: honoNodeWs.rssPerSocket,
          baselineLabel: "@hono/node-ws, same app",
          note: "the reason the worker keeps node-websocket.ts",
        }),
        // The goal is on the heap: what each upgrade keeps reachable per socket, steadier than RSS from run to run.
        figure({
          id: "idle.heap.hono-node-ws",
          label: `JS heap per idle socket vs @hono/node-ws (${sockets} sockets)`,
          unit: "bytes",
          better: "lower",
          ours: ours.heapPerSocket,
          baseline: honoNodeWs.heapPerSocket,
          baselineLabel: "@hono/node-ws, same app",
          goal: { ratio: { op: "<=", value: 0.9 }, text: "≥ 10% below @hono/node-ws" },
        }),
      ],
      details: { sockets, roomSize: ROOM_SIZE, ours, honoNodeWs, ws },
    };
  } finally {
    await teardown(cleanup);
  }
};
