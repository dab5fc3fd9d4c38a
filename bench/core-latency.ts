/**
 * `npm run bench:core`: registration latency and message round-trip (send → receive by another
 * client) on one worker and across two workers, measured in one run on this machine's PostgreSQL
 * and Redis. Writes bench/results/core-latency.json and prints a table.
 */
import { writeFileSync } from "node:fs";
import { ApiClient, type SocketClient } from "../test/support/client.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../test/support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../test/support/worker-process.ts";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const RATE_PER_SECOND = Number(process.env.BENCH_RATE ?? 100);
const REGISTRATIONS = Number(process.env.BENCH_REGISTRATIONS ?? 30);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: round(percentile(s, 50)), p99: round(percentile(s, 99)), max: round(s.at(-1)!) };
};

async function registrations(url: string) {
  const samples: number[] = [];
  for (let i = 0; i < REGISTRATIONS; i++) {
    const started = performance.now();
    await new ApiClient(url).register(uniqueName("bench"));
    samples.push(performance.now() - started);
  }
  return summary(samples);
}

/** Sends MESSAGES at RATE_PER_SECOND from a client on `from`; times each until a client on `to` receives it. */
async function roundTrip(from: string, to: string) {
  const sender = new ApiClient(from);
  const receiver = new ApiClient(to);
  await sender.register(uniqueName("snd"));
  await receiver.register(uniqueName("rcv"));
  const room = await sender.createRoom(uniqueName("bench"));
  await receiver.join(room.id);
  const tx: SocketClient = await sender.socket();
  const rx: SocketClient = await receiver.socket();
  await tx.subscribe(room.id);
  await rx.subscribe(room.id);
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  rx.ws.on("message", (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type !== "message") return;
    const at = sentAt.get(frame.message.clientId);
    if (at !== undefined) samples.push(performance.now() - at);
  });
  const interval = 1000 / RATE_PER_SECOND;
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const clientId = `b-${i}`;
    sentAt.set(clientId, performance.now());
    tx.send({ type: "message", roomId: room.id, body: `message ${i}`, clientId });
  }
  const deadline = Date.now() + 15_000;
  while (samples.length < MESSAGES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const refused = tx.all("error").length;
  await tx.close();
  await rx.close();
  if (refused > 0) throw new Error(`${refused} sends were refused: raise FRAME_RATE/MESSAGE_RATE for the bench`);
  return { ...summary(samples), lost: MESSAGES - samples.length };
}

const env = (extra: Record<string, string>) => ({
  MESSAGE_RATE: "1000000/60s",
  FRAME_RATE: "1000000/60s",
  REGISTER_RATE: "100000/60s",
  LOG_LEVEL: "warn",
  ...extra,
});
const workers: WorkerProcess[] = [];
const database = await createTestDatabase();
const prefix = testRedisPrefix();
try {
  const embedded = await startWorkerProcess(env({}));
  workers.push(embedded);
  const shared = { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, JWT_SECRET: testSecret() };
  const a = await startWorkerProcess(env({ ...shared, WORKER_ID: "bench-a" }));
  workers.push(a);
  const b = await startWorkerProcess(env({ ...shared, WORKER_ID: "bench-b" }));
  workers.push(b);

  const results = {
    date: new Date().toISOString(),
    machine: `${(await import("node:os")).cpus().length} cores, Node ${process.version}`,
    settings: { messages: MESSAGES, ratePerSecond: RATE_PER_SECOND, registrations: REGISTRATIONS, bcryptCost: 10 },
    registrationMs: { embedded: await registrations(embedded.url), postgres: await registrations(a.url) },
    roundTripMs: {
      embeddedOneWorker: await roundTrip(embedded.url, embedded.url),
      postgresOneWorker: await roundTrip(a.url, a.url),
      postgresTwoWorkers: await roundTrip(a.url, b.url),
    },
  };
  writeFileSync(new URL("./results/core-latency.json", import.meta.url), JSON.stringify(results, null, 2) + "\n");
  console.log(`\n${results.date} — ${results.machine}; ${MESSAGES} messages at ${RATE_PER_SECOND}/s`);
  console.log("measure                          n     p50 ms   p99 ms   max ms   lost");
  const row = (name: string, r: { n: number; p50: number; p99: number; max: number; lost?: number }) =>
    console.log(
      `${name.padEnd(32)} ${String(r.n).padEnd(5)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(8)} ${String(r.max).padStart(8)}   ${r.lost ?? ""}`,
    );
  row("registration (embedded)", results.registrationMs.embedded);
  row("registration (postgres)", results.registrationMs.postgres);
  row("round trip, embedded, 1 worker", results.roundTripMs.embeddedOneWorker);
  row("round trip, postgres, 1 worker", results.roundTripMs.postgresOneWorker);
  row("round trip, postgres+redis, 2", results.roundTripMs.postgresTwoWorkers);
} finally {
  await Promise.all(workers.map((w) => w.stop()));
  await database.drop();
  await deleteRedisKeys(prefix);
}
