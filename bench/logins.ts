/**
 * Does a burst of logins stall chat? bcrypt runs on the worker's thread pool (worker/src/node/
 * bcrypt-pool.ts), so chat between two clients on the same worker should barely notice. Chat is
 * measured at a fixed rate with the worker idle, then while concurrent logins run flat out, in
 * alternating phases. ping → pong (answered on the event loop, no database) shows event-loop stalls.
 */
import bcrypt from "bcryptjs";
import type WebSocket from "ws";
import { ApiClient } from "../test/support/client.ts";
import { parleyEnv } from "./fanout.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, uniqueName } from "../test/support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../test/support/worker-process.ts";
import { parseConfig } from "../worker/src/config.ts";
import { pinSelf } from "./lib/cpus.ts";
import { figure, latency, sleep, type Bench } from "./lib/report.ts";

const PASSWORD = "correct horse battery";
/** Chat messages (and pings) per second while measuring. */
const CHAT_RATE = 50;
/** Accounts the login burst cycles through. */
const ACCOUNTS = 8;

/** Chat from `tx` to `rx` and pings on `rx` at CHAT_RATE for `ms`; round trips as received. */
async function chat(tx: WebSocket, rx: WebSocket, roomId: string, ms: number, tag: string) {
  const sentAt = new Map<string, number>();
  const pings: number[] = [];
  const trips: number[] = [];
  const pongs: number[] = [];
  const onFrame = (data: WebSocket.RawData) => {
    const frame = JSON.parse(data.toString()) as { type: string; message?: { clientId: string } };
    const now = performance.now();
    if (frame.type === "pong") pongs.push(now - pings.shift()!);
    if (frame.type !== "message") return;
    const at = sentAt.get(frame.message!.clientId);
    if (at !== undefined) trips.push(now - at);
  };
  rx.on("message", onFrame);
  const count = Math.floor((ms / 1000) * CHAT_RATE);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / CHAT_RATE - performance.now();
    if (wait > 0) await sleep(wait);
    const clientId = `${tag}-${i}`;
    sentAt.set(clientId, performance.now());
    tx.send(JSON.stringify({ type: "message", roomId, body: `chat ${i} while measuring`, clientId }));
    pings.push(performance.now());
    rx.send(JSON.stringify({ type: "ping" }));
  }
  const deadline = performance.now() + 10_000;
  while ((trips.length < count || pongs.length < count) && performance.now() < deadline) await sleep(20);
  rx.off("message", onFrame);
  return { trips, pongs, lost: count - trips.length };
}

/** `loops` closed loops of POST /api/auth/login until `signal`; counts answers by status. */
async function loginBurst(url: string, usernames: string[], loops: number, signal: { stop: boolean }) {
  const statuses = new Map<number, number>();
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: loops }, async (_, i) => {
      for (let n = i; !signal.stop; n += loops) {
        const t = performance.now();
        // Each loop is its own client address: one address may have only 4 hashes queued (docs/protocol.md).
        const headers = { "content-type": "application/json", "x-forwarded-for": `198.51.100.${i % 250}` };
        const res = await fetch(`${url}/api/auth/login`, {
          method: "POST",
          headers,
          body: JSON.stringify({ username: usernames[n % usernames.length], password: PASSWORD }),
          signal: AbortSignal.timeout(60_000),
        });
        await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) times.push(performance.now() - t);
      }
    }),
  );
  return { ok: statuses.get(200) ?? 0, statuses: Object.fromEntries(statuses), times };
}

/** bcrypt verifications per second on one thread here: what a pool thread could do at most. */
function bcryptRate(cost: number, ms: number): number {
  const hash = bcrypt.hashSync(PASSWORD, cost);
  const start = performance.now();
  let n = 0;
  for (; performance.now() - start < ms; n++) bcrypt.compareSync(PASSWORD, hash);
  return n / ((performance.now() - start) / 1000);
}

/** How many CPUs a taskset list like "0-1,4" names: the worker's pool has min(2, that) threads. */
const cpuCount = (list: string) =>
  list.split(",").reduce((sum, part) => {
    const [a, b] = part.split("-").map(Number);
    return sum + (b === undefined ? 1 : b - a! + 1);
  }, 0);

export const run: Bench = async ({ quick, serverCpus, clientCpus }) => {
  pinSelf(clientCpus);
  // Short alternating phases: a neighbour's load drifting over the run hits both sides alike.
  const phaseMs = quick ? 2000 : 5000;
  const rounds = quick ? 1 : 3;
  const loops = quick ? 8 : 16;
  const cost = parseConfig({}).bcryptCost;
  const poolThreads = Math.min(2, cpuCount(serverCpus));
  const database = await createTestDatabase();
  const prefix = testRedisPrefix();
  let worker: WorkerProcess | undefined;
  const sockets: WebSocket[] = [];
  try {
    worker = await startWorkerProcess(
      parleyEnv(database.url, prefix, testSecret(), {
        CPUS: serverCpus,
        REGISTER_RATE: "100000/60s",
        LOGIN_RATE: "1000000/60s",
        LOGIN_ADDRESS_RATE: "1000000/60s",
        TRUSTED_PROXIES: "127.0.0.1",
      }),
    );
    const a = new ApiClient(worker.url);
    const b = new ApiClient(worker.url);
    const accounts = Array.from({ length: ACCOUNTS }, () => uniqueName("login"));
    await Promise.all([a.register(uniqueName("chat")), b.register(uniqueName("chat"))]);
    // One at a time: an address may have only 4 hashes queued.
    for (const name of accounts) await new ApiClient(worker.url).register(name, PASSWORD);
    const room = await a.createRoom(uniqueName("logins"));
    await b.join(room.id);
    const [tx, rx] = await Promise.all(
      [a, b].map(async (c) => {
        const socket = await c.socket();
        await socket.subscribe(room.id);
        // This bench reads frames itself from here on: the client's frame log would only grow.
        socket.ws.removeAllListeners("message");
        sockets.push(socket.ws);
        return socket.ws;
      }),
    );

    await chat(tx!, rx!, room.id, 1000, "warm");
    const idle = { trips: [] as number[], pongs: [] as number[], lost: 0 };
    const burst = {
      trips: [] as number[],
      pongs: [] as number[],
      lost: 0,
      ok: 0,
      seconds: 0,
      statuses: [] as Array<Record<number, number>>,
      times: [] as number[],
    };
    for (let r = 0; r < rounds; r++) {
      const calm = await chat(tx!, rx!, room.id, phaseMs, `idle${r}`);
      idle.trips.push(...calm.trips);
      idle.pongs.push(...calm.pongs);
      idle.lost += calm.lost;
      const signal = { stop: false };
      const started = performance.now();
      const logins = loginBurst(worker.url, accounts, loops, signal);
      // Let the pool's queue fill before chat is measured against it.
      await sleep(500);
      const busy = await chat(tx!, rx!, room.id, phaseMs, `burst${r}`);
      signal.stop = true;
      const done = await logins;
      burst.seconds += (performance.now() - started) / 1000;
      burst.ok += done.ok;
      burst.statuses.push(done.statuses);
      burst.times.push(...done.times);
      burst.trips.push(...busy.trips);
      burst.pongs.push(...busy.pongs);
      burst.lost += busy.lost;
      // The worker settles (queued frames, GC) before the next idle phase.
      await sleep(500);
    }
    const bcryptPerSecond = bcryptRate(cost, quick ? 500 : 2000) * poolThreads;

    const chatIdle = latency(idle.trips);
    const chatBusy = latency(burst.trips);
    const pongIdle = latency(idle.pongs);
    const pongBusy = latency(burst.pongs);
    return {
      id: "logins",
      title: "Login burst vs chat latency",
      method:
        `Two clients on one worker (PostgreSQL + Redis, bcrypt cost ${cost}, ${poolThreads} pool thread(s)) chat at ${CHAT_RATE} messages/s, send → other client's receipt. ` +
        `Phases of ${phaseMs / 1000} s alternate ${rounds}× between idle and ${loops} concurrent closed-loop logins over ${ACCOUNTS} accounts. ` +
        "ping → pong on the receiving socket is answered on the event loop with no database: it shows event-loop stalls.",
      figures: [
        figure({
          id: "logins.chat.p99",
          label: "chat round trip p99 during logins",
          unit: "ms",
          better: "lower",
          ours: chatBusy.p99,
          baseline: chatIdle.p99,
          baselineLabel: "idle",
          goal: { ratio: { op: "<=", value: 3 }, text: "≤ 3× idle (proposed)" },
        }),
        figure({
          id: "logins.chat.p50",
          label: "chat round trip p50 during logins",
          unit: "ms",
          better: "lower",
          ours: chatBusy.p50,
          baseline: chatIdle.p50,
          baselineLabel: "idle",
        }),
        figure({
          id: "logins.pong.p99",
          label: "ping → pong p99 during logins (event loop)",
          unit: "ms",
          better: "lower",
          ours: pongBusy.p99,
          baseline: pongIdle.p99,
          baselineLabel: "idle",
        }),
        figure({
          id: "logins.rate",
          label: "logins per second",
          unit: "logins/s",
          better: "higher",
          ours: burst.ok / burst.seconds,
          baseline: bcryptPerSecond,
          baselineLabel: `bcrypt verifies/s, ${poolThreads} thread(s)`,
          note: "the baseline is bcryptjs compareSync in a loop on the load generator's CPU, times the pool's threads: the most the pool could do",
        }),
        figure({
          id: "logins.chat.missing",
          label: "chat messages not received within 10 s",
          unit: "messages",
          better: "lower",
          ours: idle.lost + burst.lost,
          baseline: null,
          goal: { value: { op: "==", value: 0 }, text: "0" },
        }),
      ],
      details: { chatIdle, chatBusy, pongIdle, pongBusy, loginMs: latency(burst.times), loginStatuses: burst.statuses, loops, chatRate: CHAT_RATE },
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await worker?.stop();
    await database.drop();
    await deleteRedisKeys(prefix);
  }
};
