/**
 * `npm run bench:lb`: the balancer's cost, measured in one run as ratios against going straight to
 * the worker. HTTP: closed-loop load on GET /api/me (req/s, p50/p99). WebSocket: sequential
 * ping → pong round trips. Writes bench/results/lb.json and prints a table.
 */
import { writeFileSync } from "node:fs";
import { ApiClient } from "../test/support/client.ts";
import { createTestDatabase, deleteRedisKeys, testRedisPrefix, testSecret, TEST_REDIS_URL, uniqueName } from "../test/support/services.ts";
import { startBalancerProcess, startWorkerProcess, type WorkerProcess } from "../test/support/worker-process.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PINGS = Number(process.env.BENCH_PINGS ?? 2000);

const stats = (samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 1000) / 1000;
  return { n: s.length, p50: at(0.5), p99: at(0.99) };
};

/** CONCURRENCY loops each sending the next request when the last one answers, for SECONDS. */
async function httpLoad(url: string, token: string) {
  // Node's fetch keeps connections alive: each loop reuses one.
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        const res = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        if (res.ok) latencies.push(performance.now() - started);
        else errors++;
      }
    }),
  );
  return { rps: Math.round(latencies.length / SECONDS), ...stats(latencies), errors };
}

async function wsRoundTrip(api: ApiClient) {
  const socket = await api.socket();
  const samples: number[] = [];
  for (let i = 0; i < PINGS; i++) {
    const started = performance.now();
    const pong = new Promise<void>((resolve) => socket.ws.once("message", () => resolve()));
    socket.send({ type: "ping" });
    await pong;
    samples.push(performance.now() - started);
  }
  await socket.close();
  return stats(samples);
}

const database = await createTestDatabase();
const prefix = testRedisPrefix();
const processes: WorkerProcess[] = [];
try {
  const shared = { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, JWT_SECRET: testSecret(), LOG_LEVEL: "warn" };
  const workers: WorkerProcess[] = [];
  for (let i = 1; i <= 3; i++) workers.push(await startWorkerProcess({ ...shared, WORKER_ID: `w${i}`, TRUSTED_PROXIES: "127.0.0.1", FRAME_RATE: "1000000/60s" }));
  processes.push(...workers);
  const lb = await startBalancerProcess(workers.map((w) => w.url), { ...shared, LB_IP_RATE: "100000000/60s", LB_USER_RATE: "100000000/60s" });
  processes.push(lb);

  const viaLb = new ApiClient(lb.url);
  await viaLb.register(uniqueName("bench"));
  const home = (await viaLb.request("GET", "/api/me")).headers.get("x-served-by")!;
  const worker = workers[Number(home.slice(1)) - 1]!;
  const direct = new ApiClient(worker.url, viaLb.token);

  // Warm both paths, then measure them back to back.
  await httpLoad(worker.url, viaLb.token!);
  const httpDirect = await httpLoad(worker.url, viaLb.token!);
  const httpLb = await httpLoad(lb.url, viaLb.token!);
  const wsDirect = await wsRoundTrip(direct);
  const wsLb = await wsRoundTrip(viaLb);
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const results = {
    date: new Date().toISOString(),
    settings: { seconds: SECONDS, concurrency: CONCURRENCY, pings: PINGS, route: "GET /api/me" },
    http: { direct: httpDirect, balancer: httpLb, rpsRatio: ratio(httpLb.rps, httpDirect.rps), p50Ratio: ratio(httpLb.p50, httpDirect.p50), p99Ratio: ratio(httpLb.p99, httpDirect.p99) },
    webSocket: { direct: wsDirect, balancer: wsLb, p50Ratio: ratio(wsLb.p50, wsDirect.p50), p99Ratio: ratio(wsLb.p99, wsDirect.p99) },
  };
  writeFileSync(new URL("./results/lb.json", import.meta.url), JSON.stringify(results, null, 2) + "\n");
  console.log(`\n${results.date}: balancer vs direct (${CONCURRENCY} concurrent, ${SECONDS} s each; ${PINGS} pings)`);
  console.log("                     direct        balancer      balancer ÷ direct");
  console.log(`HTTP req/s           ${String(httpDirect.rps).padEnd(13)} ${String(httpLb.rps).padEnd(13)} ${results.http.rpsRatio}`);
  console.log(`HTTP p50 / p99 ms    ${`${httpDirect.p50} / ${httpDirect.p99}`.padEnd(13)} ${`${httpLb.p50} / ${httpLb.p99}`.padEnd(13)} ${results.http.p50Ratio} / ${results.http.p99Ratio}`);
  console.log(`WS RTT p50 / p99 ms  ${`${wsDirect.p50} / ${wsDirect.p99}`.padEnd(13)} ${`${wsLb.p50} / ${wsLb.p99}`.padEnd(13)} ${results.webSocket.p50Ratio} / ${results.webSocket.p99Ratio}`);
  if (httpDirect.errors || httpLb.errors) console.log(`errors: direct ${httpDirect.errors}, balancer ${httpLb.errors}`);
} finally {
  await Promise.all(processes.map((p) => p.stop()));
  await database.drop();
  await deleteRedisKeys(prefix);
}
