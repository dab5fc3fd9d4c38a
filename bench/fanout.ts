/**
 * Fan-out on one worker: how many message deliveries per second a room of 10, 100 and 1,000
 * subscribers gets, and send → receive latency, against a bare `ws` broadcast server
 * (bench/baselines/ws-broadcast.ts) doing the same frames without storing anything. Also exports
 * the pieces the cross-worker and idle-memory benches share: the worker's bench settings, direct
 * seeding of users and rooms, and the two-phase measurement of one room.
 */
import { existsSync } from "node:fs";
import postgres from "postgres";
import type { User } from "@parley/protocol";
import { systemClock, TokenIssuer } from "@parley/common";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL } from "../test/support/services.ts";
import { startWorkerProcess } from "../test/support/worker-process.ts";
import { cpuSeconds, startBaseline } from "./baselines/server-process.ts";
import { figure, type BarChart, type Bench, type Figure } from "./lib/report.ts";
import { SocketFleet, type LoadResult, type SocketTarget } from "./lib/sockets.ts";

/** A worker's environment for benches: PostgreSQL + Redis as deployed, limits out of the way. */
export function parleyEnv(databaseUrl: string, redisPrefix: string, secret: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    JWT_SECRET: secret,
    MESSAGE_RATE: "1000000/60s",
    FRAME_RATE: "1000000/60s",
    // The load generators open thousands of sockets from one loopback address.
    WS_PER_ADDRESS: "1000000",
    SUGGEST_ENGINE: "off",
    SHUTDOWN_TIMEOUT_MS: "2000",
    LOG_LEVEL: "warn",
    ...extra,
  };
}

/**
 * Inserts `members[i]` fresh users into a fresh room i, straight into the (migrated) database, and
 * issues their tokens as the worker would: registering thousands of users through bcrypt would
 * take minutes and measure nothing of interest here.
 */
export async function seedRooms(databaseUrl: string, secret: string, members: number[]): Promise<Array<{ roomId: string; tokens: string[] }>> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const issuer = new TokenIssuer(secret, 3600, systemClock);
  const tag = Math.random().toString(36).slice(2, 8);
  try {
    const rooms = [];
    for (const [r, count] of members.entries()) {
      const users: User[] = Array.from({ length: count }, (_, i) => ({ id: crypto.randomUUID(), username: `b${tag}_${r}_${i}` }));
      const roomId = crypto.randomUUID();
      for (let i = 0; i < users.length; i += 1000) {
        const rows = users.slice(i, i + 1000).map((u) => ({ id: u.id, username: u.username, username_key: u.username, password_hash: "!bench" }));
        await sql`insert into users ${sql(rows)}`;
      }
      await sql`insert into rooms ${sql({ id: roomId, name: `bench ${tag} ${r}`, name_key: `bench ${tag} ${r}`, created_by: users[0]!.id, member_count: count })}`;
      await sql`insert into room_seq ${sql({ room_id: roomId })}`;
      for (let i = 0; i < users.length; i += 1000)
        await sql`insert into memberships ${sql(users.slice(i, i + 1000).map((u) => ({ room_id: roomId, user_id: u.id })))}`;
      rooms.push({ roomId, tokens: await Promise.all(users.map(async (u) => (await issuer.issue(u)).token)) });
    }
    return rooms;
  } finally {
    await sql.end();
  }
}

/** Senders per run, and messages each keeps in flight in the capacity phase. */
export const SENDERS = 4;
export const WINDOW = 8;

export interface RoomRun {
  capacity: LoadResult & { serverCpu: number };
  /** Messages/s offered in the latency phase. */
  offeredRate: number;
  latency: LoadResult & { serverCpu: number };
}

/**
 * Measures one room: opens `targets` (all subscribed to `roomId`), then (1) capacity: SENDERS
 * closed loops of WINDOW messages in flight, a message leaving the window when every socket has
 * it; (2) latency: an open loop at `rate(capacity)` messages/s. Server CPU is sampled on `pids`.
 */
export async function measureRoom(
  fleet: SocketFleet,
  targets: SocketTarget[],
  pids: number[],
  timing: { warmupMs: number; durationMs: number },
  rate: (capacity: LoadResult) => number,
): Promise<RoomRun> {
  const roomId = targets[0]!.roomId;
  await fleet.open(targets);
  try {
    const phase = async (mode: { kind: "closed"; window: number } | { kind: "open"; rate: number }) => {
      const samples: Array<{ cpu: number; at: number }> = [];
      // A server that died mid-run has no /proc entry: its CPU is unknown, and the run fails on its own.
      const sample = () =>
        samples.push({ cpu: pids.reduce((sum, pid) => sum + (existsSync(`/proc/${pid}`) ? cpuSeconds(pid) : NaN), 0), at: performance.now() });
      const result = await fleet.load({ roomId, senders: Math.min(SENDERS, targets.length), mode, drainMs: 5000, ...timing }, sample);
      const dead = pids.filter((pid) => !existsSync(`/proc/${pid}`));
      if (dead.length) throw new Error(`server process ${dead.join(", ")} died during the run`);
      const [from, to] = samples;
      return { ...result, serverCpu: from && to ? (to.cpu - from.cpu) / ((to.at - from.at) / 1000) : NaN };
    };
    const capacity = await phase({ kind: "closed", window: WINDOW });
    const offeredRate = Math.max(1, Math.round(rate(capacity)));
    return { capacity, offeredRate, latency: await phase({ kind: "open", rate: offeredRate }) };
  } finally {
    await fleet.close();
  }
}

/** Runs `steps` in order, each even if one before failed; rethrows nothing (teardown must finish). */
export async function teardown(steps: Array<() => unknown>): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      process.stderr.write(`teardown: ${(error as Error).message}\n`);
    }
  }
}

/** Starts processes at once; each one that started is stopped by `cleanup`, even when another failed. */
export async function startAll<T extends readonly Promise<{ stop(): unknown }>[]>(
  cleanup: Array<() => unknown>,
  starts: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(starts);
  for (const s of settled) if (s.status === "fulfilled") cleanup.unshift(() => s.value.stop());
  for (const s of settled) if (s.status === "rejected") throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/** Distinct users per room: beyond this, sockets share users (see `method`). */
export const MAX_USERS = 100;

/** Socket i of a room of n goes to `url(i)` as user i mod MAX_USERS. */
export const roomTargets = (room: { roomId: string; tokens: string[] }, n: number, url: (i: number) => string): SocketTarget[] =>
  Array.from({ length: n }, (_, i) => ({ url: url(i), token: room.tokens[i % room.tokens.length]!, roomId: room.roomId }));

export const run: Bench = async (options) => {
  const sizes = options.quick ? [10, 100] : [10, 100, 1000];
  const timing = options.quick ? { warmupMs: 300, durationMs: 1000 } : { warmupMs: 1000, durationMs: 5000 };
  const database = await createTestDatabase();
  const prefix = testRedisPrefix();
  const secret = testSecret();
  const cleanup: Array<() => unknown> = [() => database.drop(), () => deleteRedisKeys(prefix)];
  try {
    const [worker, baseline] = await startAll(cleanup, [
      startWorkerProcess({ ...parleyEnv(database.url, prefix, secret), CPUS: options.serverCpus }),
      startBaseline("bench/baselines/ws-broadcast.ts", options.serverCpus),
    ] as const);
    const fleet = SocketFleet.start(options.clientCpus);
    cleanup.unshift(() => fleet.stop());
    const rooms = await seedRooms(
      database.url,
      secret,
      sizes.map((n) => Math.min(n, MAX_USERS)),
    );

    const results: Array<{ size: number; ours: RoomRun; ws: RoomRun }> = [];
    for (const [i, size] of sizes.entries()) {
      const room = rooms[i]!;
      // Ours first: the latency phase of both runs at half of Parley's capacity, the same offered load.
      const ours = await measureRoom(
        fleet,
        roomTargets(room, size, () => worker.url),
        [worker.child.pid!],
        timing,
        (c) => c.messagesPerSecond / 2,
      );
      const ws = await measureRoom(
        fleet,
        roomTargets({ ...room, tokens: room.tokens.map((_, u) => `user${u}`) }, size, () => baseline.url),
        [baseline.pid],
        timing,
        () => ours.offeredRate,
      );
      results.push({ size, ours, ws });
    }
    return {
      id: "fanout",
      title: "Fan-out on one worker",
      method: fanoutMethod(timing.durationMs),
      figures: results.flatMap(fanoutFigures),
      charts: [fanoutChart(results)],
      details: {
        timing,
        senders: SENDERS,
        window: WINDOW,
        maxUsersPerRoom: MAX_USERS,
        database: "PostgreSQL (fresh test database) + Redis bus and presence",
        results,
      },
    };
  } finally {
    await teardown(cleanup);
  }
};

function fanoutMethod(durationMs: number): string {
  return (
    `One pinned worker on PostgreSQL + Redis (as deployed) vs a bare \`ws\` server (bench/baselines/ws-broadcast.ts: parses, numbers and fans out each message, acks; ` +
    `stores nothing, no membership, rate limit or presence). Parley stores every message in PostgreSQL (one statement under the room's row lock, shared by the sends waiting on that room) before it fans it out and acks. ` +
    `Subscribers are sockets in one pinned client process; ${SENDERS} of them send. Delivered/s: ${SENDERS} closed loops of ${WINDOW} messages in flight each ` +
    `(a message leaves the window once every subscriber has it), so each server runs at its own capacity without unbounded queues; ${durationMs / 1000} s after a warm-up. ` +
    `p50/p99: send → each receipt in an open loop at the same offered rate for both, half of Parley's measured capacity. ` +
    `Rooms over ${MAX_USERS} sockets are ${MAX_USERS} users with several sockets each: fan-out cost is per socket, and on parley.v1 (which these sockets speak) each presence window still carries the whole online list to everyone.`
  );
}

/**
 * CPU use behind a delivered/s figure, in words: cores used by server and load generator, and
 * deliveries per server CPU-second (which holds up better than req/s when other work shares the
 * cores); warns when the load generator, not the server, was the limit.
 */
export function cpuNote(runs: Array<[string, RoomRun]>): string {
  const parts = runs.map(([name, r]) => {
    const c = r.capacity;
    const perCpu = c.serverCpu > 0 ? `, ${Math.round(c.deliveredPerSecond / c.serverCpu)} deliveries per server CPU-s` : "";
    return `${name}: server ${c.serverCpu.toFixed(2)} cores, client ${c.clientCpu.toFixed(2)}${perCpu}${c.clientCpu > 0.9 ? " (CLIENT-BOUND)" : ""}`;
  });
  const lost = runs.reduce((sum, [, r]) => sum + r.capacity.lost + r.latency.lost, 0);
  const errors = runs.reduce((sum, [, r]) => sum + r.capacity.errors + r.latency.errors, 0);
  return `${parts.join("; ")}${lost ? `; ${lost} receipts LOST` : ""}${errors ? `; ${errors} sends refused` : ""}`;
}

function fanoutFigures(r: { size: number; ours: RoomRun; ws: RoomRun }): Figure[] {
  const common = { baselineLabel: "ws" };
  return [
    figure({
      ...common,
      id: `fanout.${r.size}.rate`,
      label: `room of ${r.size}: delivered`,
      unit: "msg/s",
      better: "higher",
      ours: r.ours.capacity.deliveredPerSecond,
      baseline: r.ws.capacity.deliveredPerSecond,
      goal: { ratio: { op: ">=", value: 0.5 }, text: "≥ 0.5× ws" },
      note: cpuNote([
        ["Parley", r.ours],
        ["ws", r.ws],
      ]),
    }),
    figure({
      ...common,
      id: `fanout.${r.size}.p50`,
      label: `room of ${r.size}: send→receive p50`,
      unit: "ms",
      better: "lower",
      ours: r.ours.latency.latency.p50,
      baseline: r.ws.latency.latency.p50,
      note: `open loop at ${r.ours.offeredRate} messages/s (${r.ours.offeredRate * r.size} deliveries/s) for both`,
    }),
    figure({
      ...common,
      id: `fanout.${r.size}.p99`,
      label: `room of ${r.size}: send→receive p99`,
      unit: "ms",
      better: "lower",
      ours: r.ours.latency.latency.p99,
      baseline: r.ws.latency.latency.p99,
    }),
  ];
}

function fanoutChart(results: Array<{ size: number; ours: RoomRun; ws: RoomRun }>): BarChart {
  return {
    title: "Fan-out: deliveries per second by room size",
    unit: "deliveries/s",
    labels: results.map((r) => `room of ${r.size}`),
    series: [
      { name: "Parley (1 worker, PostgreSQL)", values: results.map((r) => Math.round(r.ours.capacity.deliveredPerSecond)) },
      { name: "bare ws", values: results.map((r) => Math.round(r.ws.capacity.deliveredPerSecond)) },
    ],
  };
}
